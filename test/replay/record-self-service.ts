/**
 * Records real histories of the self-service workflows for the replay test (called by
 * record-histories.ts with `self-service`). Runs go through the typed client, the real workers and
 * the Okta simulator, with the test payload key (the replay test decodes with the same key).
 */
import { requester, rid, startSelfServiceEnv } from '../self-service/helpers.js';
import { eventually } from '../helpers/eventually.js';
import type { TestTemporal } from '../helpers/temporal.js';

/** Drives one run per interesting path; answers `name → [workflowId, runId]`. */
export async function recordSelfServiceRuns(temporal: TestTemporal): Promise<Record<string, [string, string]>> {
  // A short linger, so the histories include the run answering after its reset (long enough for a
  // late ask to reach the lingering run through the client).
  const env = await startSelfServiceEnv(temporal, { MFA_RESET_MODE: 'choose', SELF_SERVICE_ANSWER_LINGER: '3s' });
  try {
    const runs: Record<string, [string, string]> = {};
    const done = async (name: string, workflowId: string, runId: string) => {
      await env.client.workflow.getHandle(workflowId, runId).result();
      runs[name] = [workflowId, runId];
    };

    // Owner asks for a link; a retry with the same key and a second key join the same run.
    const owner = await env.newUser();
    const key = rid();
    const [link] = await Promise.all([
      env.selfService.requestPasswordReset({ requestId: key, requester: requester(owner.login) }),
      env.selfService.requestPasswordReset({ requestId: key, requester: requester(owner.login) }),
      env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(owner.login) }),
    ]);
    await done('self-service-password-link', link.workflowId, link.runId);

    // The same person asks again with a new key while the run lingers after the reset: the run answers
    // from its book (the linger marker's branch in the request handler), no second reset.
    const asker = await env.newUser();
    const asked = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(asker.login) });
    const late = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(asker.login) });
    if (late.runId !== asked.runId || late.resetLink !== asked.resetLink) throw new Error('the late ask was not answered by the lingering run');
    await done('self-service-password-linger', asked.workflowId, asked.runId);

    // Someone else's account: refused by the request's gate (the run named is the gate's).
    const mallory = await env.newUser();
    const victim = await env.newUser();
    const refused = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(mallory.login), target: victim.login });
    await done(refused.workflowId.startsWith('self-service-request/') ? 'self-service-gate-refused' : 'self-service-password-refused', refused.workflowId, refused.runId);

    // MFA, choose mode: list, choose one factor.
    const mfaUser = await env.newUser({ factors: [{ factorType: 'push' }, { factorType: 'token:software:totp' }] });
    const mfa = await env.selfService.requestMfaReset({ requestId: rid(), requester: requester(mfaUser.login) });
    const totp = mfa.factors!.find((f) => f.factorType === 'token:software:totp')!;
    await env.selfService.chooseFactors(mfa.id, requester(mfaUser.login).chatUserId, [totp.id]);
    await done('self-service-mfa-choose', mfa.workflowId, mfa.runId);

    // Protected account: approval by a non-helpdesk user is rejected, helpdesk approves.
    const admin = await env.newUser({ groups: ['Okta Admins'] });
    const employee = await env.newUser();
    const waiting = await env.selfService.requestPasswordReset({ requestId: rid(), requester: requester(admin.login) });
    await env.selfService.decideApproval(waiting.id, { decision: 'approve', approver: employee.login, reason: 'looks fine' });
    await env.selfService.decideApproval(waiting.id, { decision: 'approve', approver: 'carol@example.com', reason: 'verified by phone' });
    await eventually('the approved run finished', async () => (await env.selfService.operatorView(waiting.id)).phase === 'done');
    await done('self-service-password-approved', waiting.workflowId, waiting.runId);
    return runs;
  } finally {
    await env.close();
  }
}
