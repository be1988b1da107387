/* global process */
// Test-only preload (NODE_OPTIONS=--import): holds the start of the HTTP API and worker processes for
// SLOW_START_MS, so a start script that races their readiness instead of waiting for it is caught.
const ms = Number(process.env.SLOW_START_MS ?? 0);
if (ms > 0 && process.argv.some((arg) => /(client\/http-api\/main|workers\/main)\.ts$/.test(arg))) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
