import { fileURLToPath } from 'node:url';
import { SOURCE_EXTENSION } from '../client/source-extension.js';

/** The workflow entry point the worker bundles for the sandbox. */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${SOURCE_EXTENSION}`, import.meta.url));

/** Modules the sandbox evaluates once and shares between runs (see workflows/zod-shared.ts). */
export const workflowPreloadModules = [fileURLToPath(new URL(`../workflows/zod-shared${SOURCE_EXTENSION}`, import.meta.url))];

/** Worker options for the workflow code: a bundle built ahead, or the sources bundled now with the shared modules. */
export function workflowSource(bundlePath?: string): { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath, bundlerOptions: { preloadModules: workflowPreloadModules } };
}
