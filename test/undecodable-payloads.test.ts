/**
 * Anyone who can signal a workflow can send bytes nobody can decode. None of them may put a
 * workflow into a workflow-task retry loop: handlers receive a value they refuse, and the workflow
 * carries on. Sent raw (past the client's codec) to the poller, a lockout child and a reset request.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { replyToUnlockQuestion, startLockoutPoller } from '../client/lockout-client.js';
import { AesGcmPayloadCodec } from '../client/payload-codec.js';
import { lockoutPollerWorkflowId, lockoutStateQuery, lockoutWorkflowId, pollerStateQuery, type LockoutState } from '../workflows/lockout/messages.js';
import { lockoutWorkflow } from '../workflows/lockout/unlock.js';
import { eventually } from './helpers/eventually.js';
import { testTemporal, workflowTaskFailures, type TestTemporal } from './helpers/temporal.js';
import { TEST_KEY, requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './self-service/helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

async function hostilePayloads(): Promise<[string, Payload][]> {
  const [id, key] = TEST_KEY.split(':') as [string, string];
  const ours = new AesGcmPayloadCodec([{ id, key: Buffer.from(key, 'base64') }]);
  const rotatedOut = new AesGcmPayloadCodec([{ id: 'rotated-out', key: randomBytes(32) }]);
  const [unknownKey] = await rotatedOut.encode([defaultPayloadConverter.toPayload({ answer: 'yes' })]);
  const [sealed] = await ours.encode([defaultPayloadConverter.toPayload({ answer: 'yes' })]);
  const tampered = { ...sealed!, data: Uint8Array.from(sealed!.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
  const [sealedGarbage] = await ours.encode([{ metadata: { encoding: text('json/plain') }, data: text('{"answer": ') }]);
  return [
    ['unknown key ID', unknownKey!],
    ['tampered ciphertext', tampered],
    ['binary/protobuf', { metadata: { encoding: text('binary/protobuf'), messageType: text('temporal.api.common.v1.Payload') }, data: randomBytes(40) }],
    ['malformed json/plain', { metadata: { encoding: text('json/plain') }, data: text('{not json') }],
    ['unknown encoding', { metadata: { encoding: text('binary/whatever') }, data: randomBytes(8) }],
    ['encrypted malformed json', sealedGarbage!],
  ];
}

describe('undecodable payloads never wedge a workflow', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal, { LOCKOUT_POLL_INTERVAL: '300ms', OKTA_SIM_SEED: randomUUID() });
  });
  after(async () => {
    await temporal.client.workflow.getHandle(lockoutPollerWorkflowId(env.sim.url)).terminate('test finished').catch(() => undefined);
    await env?.close();
  });

  const signalRaw = (workflowId: string, signalName: string, payload: Payload) =>
    temporal.client.workflowService.signalWorkflowExecution({
      namespace: temporal.namespace,
      workflowExecution: { workflowId },
      signalName,
      input: { payloads: [payload] },
      identity: 'hostile-test',
      requestId: randomUUID(),
    });

  it('sent to the poller, a lockout child and a reset request: refused, logged, no failed workflow task', async () => {
    const poller = await startLockoutPoller(env.client, env.config, env.sim.url);
    const user = await env.newUser();
    await env.sim.control.setUserStatus(user.id, 'LOCKED_OUT');
    const child = await env.client.workflow.start(lockoutWorkflow, {
      workflowId: lockoutWorkflowId(user.id),
      taskQueue: env.config.temporal.taskQueue,
      args: [{ user: { id: user.id }, firstEvent: { uuid: randomUUID(), eventType: 'user.account.lock', published: new Date().toISOString() }, policy: 'ask-user', askUserTimeoutMs: 120_000, oktaTaskQueue: env.config.temporal.oktaTaskQueue }],
    });
    await eventually('the child waits for its user', async () => (await child.query(lockoutStateQuery)).phase === 'awaiting-user');
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const reset = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(reset.status, 'awaiting-approval');

    const targets: [string, string[]][] = [
      [poller.workflowId, ['lockoutEpisodeFailed', 'resumePoller']],
      [child.workflowId, ['unlockReply', 'lockoutEvent']],
      [reset.workflowId, ['approval', 'cancelRequest']],
    ];
    const payloads = await hostilePayloads();
    for (const [workflowId, signals] of targets) {
      for (const signal of signals) for (const [, payload] of payloads) await signalRaw(workflowId, signal, payload);
    }
    // An update with an undecodable argument is refused by its validator.
    const update = await temporal.client.workflowService.updateWorkflowExecution({
      namespace: temporal.namespace,
      workflowExecution: { workflowId: poller.workflowId },
      request: { meta: { updateId: randomUUID(), identity: 'hostile-test' }, input: { name: 'pushLockoutEvents', args: { payloads: [payloads[2]![1]] } } },
      waitPolicy: { lifecycleStage: 3 },
    });
    assert.ok(update.outcome?.failure, 'the push was rejected');

    const polls = (await poller.query(pollerStateQuery)).polls;
    await eventually('the poller still polls', async () => (await poller.query(pollerStateQuery)).polls > polls + 1);
    const childState = await eventually('the child refused them all', async () => {
      const s = await child.query(lockoutStateQuery);
      return (s.ignoredMessages ?? 0) >= payloads.length * 2 ? s : undefined;
    });
    assert.equal(childState.phase, 'awaiting-user');
    await replyToUnlockQuestion(env.client, user.id, { answer: 'yes', email: user.login });
    assert.equal(((await child.result()) as LockoutState).outcome, 'unlocked');
    const approved = await env.selfService.decideApproval(reset.id, { decision: 'approve', approver: 'carol@example.com', reason: 'verified' });
    assert.equal(approved.accepted, true, approved.message);
    await eventually('the reset completed', async () => (await env.selfService.getRequest(reset.id, requester(admin.login).chatUserId)).status === 'completed');

    for (const [workflowId] of targets) {
      const { failures } = await workflowTaskFailures(env.client, workflowId);
      assert.deepEqual(failures, [], `${workflowId} failed a workflow task`);
    }
  });
});
