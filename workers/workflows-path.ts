import { fileURLToPath } from 'node:url';

/** The workflow entry point the worker bundles for the sandbox. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
