import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The reference folder is read in place (never copied into the project); OKTA_SHARED_DIR overrides. */
export function sharedOktaDir(): string {
  const fromEnv = process.env.OKTA_SHARED_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  return path.resolve(repoRoot, '..', 'shared', 'okta');
}

export function readSharedJson(file: string): unknown {
  const p = path.join(sharedOktaDir(), file);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
