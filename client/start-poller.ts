/**
 * Starts (or finds) the lockout poller for the configured Okta org and gives it the current
 * settings: `npm run poller`, run by `npm start` on every start. With FEATURE_LOCKOUT_POLLER=false
 * it stops a running poller instead.
 */
import { loadConfigOrExit } from '../temporal.config.js';
import { startOrReconfigurePoller, stopLockoutPoller } from './lockout-client.js';
import { connectTemporalClient } from './temporal-connection.js';

const config = loadConfigOrExit();
if (!config.okta) {
  console.error('OKTA_ORG_URL is not set: `npm start` runs the Okta simulator and sets it for you.');
  process.exit(2);
}
const client = await connectTemporalClient(config);
try {
  if (!config.features.lockoutPoller) {
    const stopped = await stopLockoutPoller(client, config.okta.orgUrl, 'start-poller');
    console.log(`FEATURE_LOCKOUT_POLLER=false: ${stopped ? 'stopped the running lockout poller' : 'no lockout poller running'}.`);
  } else {
    const { handle, reconfigured } = await startOrReconfigurePoller(client, config, config.okta.orgUrl);
    console.log(
      `lockout poller running: workflow ${handle.workflowId} (every ${config.lockout.pollIntervalMs / 1000}s, policy ${config.lockout.unlockPolicy})` +
        (reconfigured ? '' : ' — a poller of an older release: it takes the settings after its next poll'),
    );
  }
} finally {
  await client.connection.close();
}
