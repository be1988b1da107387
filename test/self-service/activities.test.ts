/** Fast tests of the self-service activities with a mocked activity context (no server). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import type { Notifier } from '../../activities/notify/notifier.js';
import { createSelfServiceActivities, type SelfServiceActionName, type SelfServicePolicy } from '../../activities/self-service/activities.js';
import { loadConfig } from '../../temporal.config.js';

const config = loadConfig({ SELF_SERVICE_ANSWER_LINGER: '3s' }, { dotEnvPath: false });
const LINK = 'https://acme.okta.com/reset_password/SECRET-TOKEN-123';

describe('self-service activities (mocked context)', () => {
  it('the log notifier never receives nor logs the link, and says it could not deliver it', async () => {
    const logged: unknown[] = [];
    const seen: string[] = [];
    const notifier: Notifier = { name: 'log', notify: async (n) => void seen.push(n.text) };
    const env = new MockActivityEnvironment();
    env.on('log', (entry: unknown) => logged.push(entry));
    const { notifySelfService } = createSelfServiceActivities({ config, client: {} as Client, notifier });
    const result = await env.run(notifySelfService, { userId: '00u1', workflowId: 'w', text: 'your link:', secretLink: LINK });
    assert.deepEqual(result, { delivered: false, via: 'log' });
    assert.ok(!JSON.stringify([logged, seen]).includes('SECRET-TOKEN'));
  });

  it('a permanent delivery error is not retried; a transient one is', async () => {
    const env = new MockActivityEnvironment();
    for (const retryable of [false, true]) {
      const notifier: Notifier = { name: 'webhook', notify: async () => { throw Object.assign(new Error('webhook answered'), { retryable }); } };
      const { notifySelfService } = createSelfServiceActivities({ config, client: {} as Client, notifier });
      await assert.rejects(env.run(notifySelfService, { userId: '00u1', workflowId: 'w', text: 'hi' }), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable === !retryable);
    }
  });

  it('the policy carries the linger, and the limit query refuses input that could change the query', async () => {
    const env = new MockActivityEnvironment();
    const { selfServicePolicy, countRecentSelfServiceSuccesses } = createSelfServiceActivities({ config, client: {} as Client });
    const action: SelfServiceActionName = 'reset-password';
    const policy: SelfServicePolicy = await env.run(selfServicePolicy, action);
    assert.equal(policy.answerLingerMs, 3000);
    await assert.rejects(
      env.run(countRecentSelfServiceSuccesses, { oktaUserId: '00u1" OR "1"="1', action, sinceIso: new Date().toISOString() }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'InvalidInput',
    );
  });
});
