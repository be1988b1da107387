/**
 * `cli event-hook register|status|deactivate` through the project's Okta client against the
 * simulator's Event Hooks API, with the real receiver answering Okta's verification call.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../client/cli.js';
import { startEventHookReceiver, type RunningReceiver } from '../../client/event-hook/server.js';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { readSharedJson } from '../../okta-sim/shared.js';
import type { AppConfig } from '../../temporal.config.js';
import { testConfig, testTemporal, type TestTemporal } from '../helpers/temporal.js';

const SECRET = 'register-test-secret-0123456789';

describe('event hook registration from the CLI', () => {
  let temporal: TestTemporal;
  let sim: OktaSimulator;
  let receiver: RunningReceiver;
  let config: AppConfig;
  const cli = async (argv: string[], cfg = config) => {
    const lines: string[] = [];
    const code = await runCli(argv, { config: cfg, client: temporal.client, out: (l) => lines.push(l) });
    return { code, text: lines.join('\n') };
  };

  before(async () => {
    temporal = await testTemporal();
    sim = await startOktaSimulator({ seed: 'register', quiet: true });
    receiver = await startEventHookReceiver({ host: '127.0.0.1', port: 0, secret: SECRET, authHeader: 'Authorization', sink: async () => ({ updates: 0 }) });
    config = testConfig(temporal, { OKTA_ORG_URL: sim.url, OKTA_API_TOKEN: sim.apiToken, EVENT_HOOK_SECRET: SECRET, EVENT_HOOK_URL: receiver.url });
  });
  after(async () => {
    await receiver.close();
    await sim.close();
    await temporal.close();
  });

  it('subscribes only to event-hook-eligible types, and both lockout types are eligible', (t) => {
    const catalog = readSharedJson('event-types.json') as { eventTypes: { id: string; tags: string[] }[] } | undefined;
    if (!catalog) return t.skip('../shared/okta/event-types.json not found');
    const eligible = new Set(catalog.eventTypes.filter((e) => e.tags.includes('event-hook-eligible')).map((e) => e.id));
    assert.deepEqual(config.eventHook.eventTypes, ['user.account.lock', 'user.session.start']);
    for (const type of config.eventHook.eventTypes) assert.ok(eligible.has(type), `${type} is event-hook-eligible`);
  });

  it('creates, activates and verifies once; a second run updates the same hook', async () => {
    const first = await cli(['event-hook', 'register']);
    assert.equal(first.code, 0);
    assert.match(first.text, /^event hook created: who\S+ ACTIVE VERIFIED → http:\/\/127\.0\.0\.1:\d+\/okta\/event-hook \(user\.account\.lock, user\.session\.start\)$/);
    assert.equal(receiver.answered.get(200), 1, 'the receiver answered Okta\'s verification');
    const again = await cli(['event-hook', 'register']);
    assert.match(again.text, /^event hook updated: /);
    const hooks = await sim.control.eventHooks();
    assert.equal(hooks.length, 1);
    const calls = await sim.control.requests({ pathPrefix: '/api/v1/eventHooks' });
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path.replace(/who\w+/, '{id}')} ${c.status}`), [
      'GET /api/v1/eventHooks 200',
      'POST /api/v1/eventHooks 200',
      'POST /api/v1/eventHooks/{id}/lifecycle/verify 200',
      'GET /api/v1/eventHooks 200',
      'PUT /api/v1/eventHooks/{id} 200',
      'POST /api/v1/eventHooks/{id}/lifecycle/verify 200',
    ]);
  });

  it('deactivates, shows status, and register turns it on again', async () => {
    const off = await cli(['event-hook', 'deactivate']);
    assert.equal(JSON.parse(off.text).status, 'INACTIVE');
    assert.equal(JSON.parse((await cli(['event-hook', 'status'])).text).status, 'INACTIVE');
    await cli(['event-hook', 'register']);
    const status = JSON.parse((await cli(['event-hook', 'status'])).text) as { status: string; verificationStatus: string };
    assert.deepEqual([status.status, status.verificationStatus], ['ACTIVE', 'VERIFIED']);
  });

  it('fails, without printing the secret, when the receiver does not accept the secret', async () => {
    const other = testConfig(temporal, {
      OKTA_ORG_URL: sim.url, OKTA_API_TOKEN: sim.apiToken, EVENT_HOOK_SECRET: 'another-secret-0123456789', EVENT_HOOK_URL: receiver.url, EVENT_HOOK_NAME: 'other',
    });
    await assert.rejects(cli(['event-hook', 'register'], other), (err: Error) => {
      assert.match(err.message, /HTTP 400 E0000001/);
      assert.doesNotMatch(err.message, /another-secret/);
      return true;
    });
    const missing = await cli(['event-hook', 'status'], testConfig(temporal, { OKTA_ORG_URL: sim.url, OKTA_API_TOKEN: sim.apiToken, EVENT_HOOK_NAME: 'nope', EVENT_HOOK_URL: 'https://nowhere.example.com/x' }));
    assert.equal(missing.code, 1);
  });
});
