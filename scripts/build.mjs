// Compiles the runtime code to JavaScript (`npm run build`: dist/, or the folder given) and copies
// the files tsc does not: the web chat's and console's static pages, read at run time.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

const outDir = process.argv[2] ?? 'dist';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { stdio: 'inherit' });
cpSync('client/http-api/web/public', `${outDir}/client/http-api/web/public`, { recursive: true });
