/** Starts (or finds) the lockout poller for the configured Okta org: `npm run poller`. */
import { loadConfigOrExit } from '../temporal.config.js';
import { startLockoutPoller } from './lockout-client.js';
import { connectTemporalClient } from './temporal-connection.js';

const config = loadConfigOrExit();
if (!config.okta) {
  console.error('OKTA_ORG_URL is not set: `npm start` runs the Okta simulator and sets it for you.');
  process.exit(2);
}
if (!config.features.lockoutPoller) {
  console.log('FEATURE_LOCKOUT_POLLER=false: not starting the lockout poller.');
  process.exit(0);
}
const client = await connectTemporalClient(config);
try {
  const handle = await startLockoutPoller(client, config, config.okta.orgUrl);
  console.log(`lockout poller running: workflow ${handle.workflowId} (every ${config.lockout.pollIntervalMs / 1000}s, policy ${config.lockout.unlockPolicy})`);
} finally {
  await client.connection.close();
}
