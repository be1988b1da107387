/** Bundles workflows once (for tests and for faster worker start-up): tsx scripts/bundle-workflows.ts OUT */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { lenientPayloadConverterPath } from '../client/data-converter.js';
import { workflowPreloadModules, workflowsPath } from '../workers/workflows-path.js';

const out = process.argv[2] ?? '.cache/workflow-bundle.js';
const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules: workflowPreloadModules, payloadConverterPath: lenientPayloadConverterPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
console.log(`== bundled workflows into ${out} (${Math.round(code.length / 1024)} KiB)`);
