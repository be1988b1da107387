/**
 * Demo: locks a user on the running Okta simulator the way Okta does (failed sign-ins), then waits
 * for the system to notice and unlock them.   npm run demo:lock -- [login] [--via session-start]
 */
import { parseArgs } from 'node:util';
import { OktaSimControl } from '../okta-sim/control-client.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { via: { type: 'string', default: 'failed-signins' }, timeout: { type: 'string', default: '120' } },
});
const login = positionals[0] ?? 'alice@example.com';
const orgUrl = process.env.OKTA_ORG_URL ?? `http://127.0.0.1:${process.env.OKTA_SIM_PORT ?? '8080'}`;
const sim = new OktaSimControl(orgUrl);
const via = values.via === 'session-start' ? 'session-start' : 'failed-signins';

const { user } = await sim.lockUser(login, { via });
const lockedAt = Date.now();
console.log(`locked ${login} (${user.id}) via ${via} at ${new Date(lockedAt).toISOString()}; waiting for the unlock...`);
const deadline = lockedAt + Number(values.timeout) * 1000;
for (;;) {
  const status = (await sim.getUser(user.id)).status;
  if (status !== 'LOCKED_OUT') {
    console.log(`${login} is ${status} after ${((Date.now() - lockedAt) / 1000).toFixed(1)} s — see workflow lockout/${user.id} in the Web UI`);
    break;
  }
  if (Date.now() > deadline) {
    console.error(`${login} still LOCKED_OUT after ${values.timeout} s: is the worker running? (npm start)`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}
