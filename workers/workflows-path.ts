import { fileURLToPath } from 'node:url';
import { SOURCE_EXTENSION } from '../client/source-extension.js';

/** The workflow entry point the worker bundles for the sandbox. */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${SOURCE_EXTENSION}`, import.meta.url));

/** Modules the sandbox evaluates once and shares between runs (see workflows/zod-shared.ts). */
export const workflowPreloadModules = [fileURLToPath(new URL(`../workflows/zod-shared${SOURCE_EXTENSION}`, import.meta.url))];
