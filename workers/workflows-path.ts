import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundlerPlugin, type Logger } from '@temporalio/worker';
import { lenientPayloadConverterPath } from '../client/data-converter.js';
import { SOURCE_EXTENSION } from '../client/source-extension.js';

/** The workflow entry point the worker bundles for the sandbox. */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${SOURCE_EXTENSION}`, import.meta.url));

/** Modules the sandbox evaluates once and shares between runs (see workflows/zod-shared.ts). */
export const workflowPreloadModules = [fileURLToPath(new URL(`../workflows/zod-shared${SOURCE_EXTENSION}`, import.meta.url))];

/** Worker options for the workflow code: a bundle built ahead, or the sources bundled now with the shared modules. */
export function workflowSource(bundlePath?: string): { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath, bundlerOptions: { preloadModules: workflowPreloadModules } };
}

/**
 * The workflow code bundled now, as the image's build and `npm run build:workflows` do: once, for
 * every worker of a process. The workers' plugins add their workflow modules (tracing's interceptors).
 */
export async function bundleWorkflows(logger?: Logger, plugins: readonly object[] = []): Promise<{ code: string }> {
  const bundlerPlugins = plugins.filter((p): p is BundlerPlugin => typeof (p as Partial<BundlerPlugin>).configureBundler === 'function');
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    preloadModules: workflowPreloadModules,
    payloadConverterPath: lenientPayloadConverterPath,
    plugins: bundlerPlugins,
    ...(logger ? { logger } : {}),
  });
  return { code };
}
