// Every workflow the worker registers. Workflow code is bundled for Temporal's deterministic
// sandbox: import activities as types only, and nothing from Node.
export { diagnosticsWorkflow } from './diagnostics.js';
export { lockoutPollerWorkflow } from './lockout/poller.js';
export { lockoutWorkflow } from './lockout/unlock.js';
export { lockoutHandOverWorkflow } from './lockout/hand-over.js';
export { passwordResetWorkflow, mfaResetWorkflow } from './self-service/workflows.js';
export { selfServiceGateWorkflow } from './self-service/gate.js';
