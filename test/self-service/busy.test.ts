/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are loosely typed JSON; the assertions check them */
/**
 * Temporal's per-workflow update limit answered through the HTTP API: a dev server of the test's own
 * admits one in-flight update per workflow (`history.maxInFlightUpdates=1`), the simulator's user
 * look-ups are slowed so the first ask for an account stays in flight, and a second ask for the same
 * account meanwhile gets the server's ResourceExhausted, which the API answers as 503 `busy` with
 * Retry-After (never a 500, never a second reset).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createDataConverter } from '../../client/data-converter.js';
import { startHttpApi, type RunningHttpApi } from '../../client/http-api/server.js';
import { SelfServiceClient } from '../../client/self-service-client.js';
import { selfServiceWorkflowId } from '../../workflows/self-service/messages.js';
import { eventually } from '../helpers/eventually.js';
import { ownTemporal, type TestTemporal } from '../helpers/temporal.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

const SLACK = 'slack-token-0123456789abcdef';

describe('update limits → 503 busy (own dev server with one in-flight update per workflow)', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  let connection: Connection;
  let api: RunningHttpApi;

  before(async () => {
    temporal = await ownTemporal({ 'history.maxInFlightUpdates': 1 });
    env = await startSelfServiceEnv(temporal);
    // The SDK retries ResourceExhausted for about 40 s (10 attempts) before giving up; this client gives up at
    // once so the test sees the answer the API gives after those retries.
    connection = await Connection.connect({ address: temporal.address, interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))] });
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter: createDataConverter(env.config) });
    const selfService = new SelfServiceClient(client, { taskQueue: env.config.temporal.taskQueue, oktaTaskQueue: env.config.temporal.oktaTaskQueue, frontend: 'slack' });
    api = await startHttpApi({ selfService, tokens: [{ frontend: 'slack', token: SLACK }], port: 0 });
  });
  after(async () => {
    await api?.close();
    await connection?.close();
    await env?.close();
    await temporal?.close();
  });

  const ask = async (login: string) => {
    const res = await fetch(`${api.url}/v1/password-resets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SLACK}`, 'Content-Type': 'application/json', 'Idempotency-Key': rid() },
      body: JSON.stringify({ requester: requester(login) }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
  };

  it('a second ask while the first is in flight answers 503 busy with Retry-After; the first gets the link', async () => {
    const user = await env.newUser();
    await env.sim.control.setFaults([{ endpoint: '/api/v1/users', type: 'latency', latencyMs: 1500 }]);
    try {
      const first = ask(user.login);
      // Update-with-start: once the run exists, the first ask is an admitted update until it is settled.
      await eventually('the first ask started the run', () => env.client.workflow.getHandle(selfServiceWorkflowId('reset-password', user.login)).describe());
      const second = await ask(user.login);
      assert.equal(second.status, 503, JSON.stringify(second.body));
      assert.equal(second.body.error.code, 'busy');
      assert.ok(Number(second.retryAfter) > 0, `Retry-After: ${second.retryAfter}`);
      const answered = await first;
      assert.equal(answered.status, 200, JSON.stringify(answered.body));
      assert.ok(answered.body.resetLink);
    } finally {
      await env.sim.control.clearFaults();
    }
    const resets = await env.sim.control.requests({ pathPrefix: `/api/v1/users/${user.id}/lifecycle/reset_password`, method: 'POST' });
    assert.equal(resets.length, 1, 'Okta saw one reset_password');
  });
});
