/** Bundles workflows once (for tests and for faster worker start-up): tsx scripts/bundle-workflows.ts OUT */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflows } from '../workers/workflows-path.js';

const out = process.argv[2] ?? '.cache/workflow-bundle.js';
const { code } = await bundleWorkflows({ log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
console.log(`== bundled workflows into ${out} (${Math.round(code.length / 1024)} KiB)`);
