import { parseArgs } from 'node:util';
import { startOktaSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: 'demo' },
    users: { type: 'string', default: '0' },
    events: { type: 'string', default: '0' },
    token: { type: 'string' },
  },
});

const sim = await startOktaSimulator({
  port: Number(values.port),
  host: values.host,
  seed: values.seed,
  users: Number(values.users),
  events: Number(values.events),
  apiToken: values.token ?? process.env.OKTA_SIM_API_TOKEN,
  quiet: true,
});

const demo = values.seed === 'empty' ? [] : (await fetch(`${sim.url}/api/v1/users?limit=20`, { headers: { Authorization: `SSWS ${sim.apiToken}` } }).then((r) => r.json())) as {
  id: string;
  status: string;
  profile: { login: string };
}[];

console.log(`Okta simulator running
  org URL:    ${sim.url}
  API token:  SSWS ${sim.apiToken}
  control:    ${sim.url}/__sim/health  (see docs/okta-simulator.md)
  users:`);
for (const u of demo) console.log(`    ${u.profile.login.padEnd(24)} ${u.status.padEnd(16)} ${u.id}`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`\n[okta-sim] ${signal}: shutting down`);
  sim.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
