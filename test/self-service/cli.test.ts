import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, UsageError } from '../../client/cli.js';
import { testTemporal, type TestTemporal } from '../helpers/temporal.js';
import { eventually } from '../helpers/eventually.js';
import { requester, rid, startSelfServiceEnv, type SelfServiceEnv } from './helpers.js';

describe('operator CLI', () => {
  let temporal: TestTemporal;
  let env: SelfServiceEnv;
  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, { config: env.config, client: env.client, out: (l) => lines.push(l) });
    return { code, text: lines.join('\n') };
  };

  before(async () => {
    temporal = await testTemporal();
    env = await startSelfServiceEnv(temporal);
  });
  after(async () => {
    await env?.close();
    await temporal?.close();
  });

  it('shows, approves (checked) and lists requests; never prints the link', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal(reply.status, 'awaiting-approval');
    const shown = await cli('requests', 'show', reply.workflowId);
    assert.match(shown.text, /"phase": "awaiting-approval"/);
    const refused = await cli('approve', reply.id, '--as', admin.login, '--reason', 'me');
    assert.equal(refused.code, 1);
    assert.match(refused.text, /not accepted/);
    const ok = await cli('approve', reply.id, '--as', 'carol@example.com', '--reason', 'verified');
    assert.equal(ok.code, 0, ok.text);
    const result = await env.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'link-issued');
    const after = await cli('requests', 'show', reply.id);
    assert.match(after.text, /"linkIssued": true/);
    assert.doesNotMatch(after.text, /reset_password/);
    // Visibility is eventually consistent: wait until the finished run is listed.
    const listed = await eventually('the run listed as link-issued', async () => {
      const out = await cli('requests', 'list', '--user', admin.login);
      return out.text.includes('link-issued') && out;
    });
    assert.match(listed.text, new RegExp(`${reply.workflowId}.*COMPLETED.*link-issued`));
  });

  it('cancels a pending request; rejects bad usage', async () => {
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const reply = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    assert.equal((await cli('cancel', reply.workflowId, '--as', 'ops@example.com', '--reason', 'duplicate ticket')).code, 0);
    const result = await env.client.workflow.getHandle(reply.workflowId, reply.runId).result();
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.cancelledBy, 'ops@example.com');
    await assert.rejects(cli('approve', reply.id), /--as is required/);
    await assert.rejects(cli('frobnicate'), UsageError);
  });
});
