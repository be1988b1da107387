/**
 * The extension of this project's own modules as they run: `.ts` through tsx, `.js` once compiled by
 * `npm run build` (dist/). For paths handed to the SDK's bundler and worker, which load files by name.
 */
export const SOURCE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
