import { fileURLToPath } from 'node:url';

/** The workflow entry point the worker bundles for the sandbox. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Modules the sandbox evaluates once and shares between runs (see workflows/zod-shared.ts). */
export const workflowPreloadModules = [fileURLToPath(new URL('../workflows/zod-shared.ts', import.meta.url))];
