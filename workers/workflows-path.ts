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
  return { code: withoutSourcesContent(code) };
}

const INLINE_MAP = '//# sourceMappingURL=data:';

/**
 * The bundle with its inline source map kept (workflow stack traces still name our `.ts` lines)
 * but without the map's copy of every source file. Each workflow worker keeps the bundle's text,
 * its parsed map, and another copy of both in its workflow thread: the sources were 1.2 of the
 * 3.4 MB and cost about 20 MB of a small worker's RSS. Only the enhanced stack-trace query reads
 * them, and only with `showStackTraceSources`, which this project leaves off.
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(INLINE_MAP);
  const data = code.indexOf('base64,', at);
  if (at < 0 || data < 0) return code;
  const map = JSON.parse(Buffer.from(code.slice(data + 'base64,'.length).trimEnd(), 'base64').toString('utf8')) as Record<string, unknown>;
  delete map.sourcesContent;
  return `${code.slice(0, data)}base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
