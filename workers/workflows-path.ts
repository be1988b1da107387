import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundlerPlugin, type Logger } from '@temporalio/worker';
import { lenientPayloadConverterPath } from '../client/data-converter.js';
import { SOURCE_EXTENSION } from '../client/source-extension.js';

/** The workflow entry point the worker bundles for the sandbox. */
const workflowsPath = fileURLToPath(new URL(`../workflows/index${SOURCE_EXTENSION}`, import.meta.url));

/** Modules the sandbox evaluates once and shares between runs: zod (workflows/zod-shared.ts) and the schemas built once (workflows/built-once.ts). */
const workflowPreloadModules = ['zod-shared', 'built-once'].map((name) => fileURLToPath(new URL(`../workflows/${name}${SOURCE_EXTENSION}`, import.meta.url)));

/** Worker options for the workflow code: a bundle built ahead, or the sources bundled now (one way for both, see bundleWorkflows). */
export async function workflowSource(bundlePath?: string, logger?: Logger, plugins: readonly object[] = []): Promise<{ workflowBundle: { codePath: string } | { code: string } }> {
  return { workflowBundle: bundlePath ? { codePath: bundlePath } : await bundleWorkflows(logger, plugins) };
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
 * The bundle with its inline source map kept (workflow stack traces still name the bundled files'
 * lines) but without the map's copy of every source file: 1.2 MB of sources, 1.6 MB of the bundle's
 * text as base64. Every workflow thread holds the bundle's text, its parsed map and a source-map
 * consumer of it, and a worker process has two workflow threads (the poller's worker and the main
 * one): about 12 MB each. Only the enhanced stack-trace query reads the sources, and only with
 * `showStackTraceSources`, which this project leaves off.
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(INLINE_MAP);
  if (at < 0) return code;
  const data = code.indexOf('base64,', at);
  if (data < 0) return code;
  const map = JSON.parse(Buffer.from(code.slice(data + 'base64,'.length).trimEnd(), 'base64').toString('utf8')) as Record<string, unknown>;
  delete map.sourcesContent;
  return `${code.slice(0, data)}base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}
