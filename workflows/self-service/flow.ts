/**
 * The main flow of one self-service run: policy, target account, daily limit, MFA factors (and the
 * choice), the wait for helpdesk approval, and the reset itself; how the run ends is in outcome.ts.
 * Requests are authorised beside it by the gatekeeper.
 */
import { ApplicationFailure, condition, log, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OktaActivities, OktaFactorSummary } from '../../activities/okta-activities.js';
import type { SelfServiceActivities, SelfServicePolicy } from '../../activities/self-service/activities.js';
import type { OktaFailureType } from '../../activities/okta/failure-types.js';
import { OktaLoginKey, OktaUserIdKey } from '../search-attributes.js';
import { CANNOT_DELIVER } from './authorization.js';
import type { FactorView, SelfServiceOutcome, SelfServiceWorkflowInput } from './messages.js';
import { describeFailure, finish as finishRun, notifySelfService, notifyTarget as notifyOwner } from './outcome.js';
import type { SelfServiceResult, SelfServiceRun } from './request-book.js';
import { LABEL } from './views.js';

const { selfServicePolicy, countRecentSelfServiceSuccesses } = proxyActivities<SelfServiceActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: ['InvalidInput'] },
});

// Type-checked against the failure type names (a value import would trip the workflow lint rule's path match).
const NON_RETRYABLE_OKTA: OktaFailureType[] = ['OktaBadRequest', 'OktaUnauthorized', 'OktaForbidden', 'OktaNotFound', 'OktaClientError', 'OktaResponseShapeError', 'OktaConfigInvalid'];

function oktaProxy(input: SelfServiceWorkflowInput, p: SelfServicePolicy): OktaActivities {
  return proxyActivities<OktaActivities>({
    taskQueue: input.oktaTaskQueue,
    startToCloseTimeout: p.oktaActivityTimeoutMs,
    retry: { maximumAttempts: p.oktaMaxAttempts, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE_OKTA },
  });
}

export async function runFlow(run: SelfServiceRun, input: SelfServiceWorkflowInput): Promise<SelfServiceResult> {
  const { book, action } = run;
  const info = workflowInfo();
  const finish = (o: SelfServiceOutcome) => finishRun(run, input, o);
  const notifyTarget = (text: string) => notifyOwner(run, text);
  const refuseRun = (code: 'not-allowed' | 'user-not-found', message: string) => {
    book.runRefusal = { code, message };
    book.targetResolved = true;
    return finish('refused');
  };

  try {
    const policy = (book.policy = await selfServicePolicy(action));
    const okta = (run.okta = oktaProxy(input, policy));
    if (!policy.enabled) return await refuseRun('not-allowed', `Self-service ${LABEL[action]} is switched off here; the helpdesk can help.`);
    if (book.cannotDeliverSecrets()) {
      // Only the owner's own request can get a link here (in chat): touch Okta only if one may be that.
      const ownerMayAsk = () => book.requests.some((r) => r.email === run.targetKey);
      await condition(() => ownerMayAsk() || (book.requests.length > 0 && book.requests.every((r) => r.state === 'refused')));
      if (!ownerMayAsk()) return await refuseRun('not-allowed', CANNOT_DELIVER);
    }
    const user = await okta.oktaFindUser(input.target);
    if (!user) return await refuseRun('user-not-found', 'No Okta account matches this login or email.');
    const groups = await okta.oktaListUserGroups(user.id);
    const target = (book.target = { oktaUserId: user.id, login: user.login, protected: groups.some((g) => policy.protectedGroups.includes(g.name)) });
    upsertSearchAttributes([
      { key: OktaUserIdKey, value: user.id },
      { key: OktaLoginKey, value: user.login },
    ]);
    book.targetResolved = true;
    book.touch();

    // Wait for the first accepted request; if all so far were refused, the run ends refused.
    await condition(() => book.anyAccepted() || book.noneAcceptable());
    if (!book.anyAccepted()) return await finish('refused');

    if (policy.dailyLimit > 0) {
      const since = new Date(Date.parse(book.createdAt) - 86_400_000).toISOString();
      const used = await countRecentSelfServiceSuccesses({ oktaUserId: user.id, action, sinceIso: since, excludeRunId: info.runId, startedBeforeIso: info.runStartTime.toISOString() });
      if (used >= policy.dailyLimit) {
        book.runRefusal = {
          code: 'daily-limit',
          message:
            action === 'reset-password'
              ? `The limit of ${policy.dailyLimit} password reset link(s) per 24 hours is reached for this account. Try again later or contact the helpdesk.`
              : `The limit of ${policy.dailyLimit} MFA reset(s) per 24 hours is reached for this account. Contact the helpdesk.`,
        };
        book.refuseAccepted();
        return await finish('refused');
      }
    }

    // MFA: which factors, and which of them may be reset.
    if (action === 'reset-mfa') {
      const factors = (book.factors = (await okta.oktaListFactors(user.id)).map((f) => toFactorView(f, policy.resettableFactorTypes)));
      if (!factors.some((f) => f.resettable)) {
        book.runRefusal = { code: 'nothing-to-reset', message: 'There is no MFA factor on this account that can be reset here.' };
        book.refuseAccepted();
        return await finish('refused');
      }
      if (policy.mfaMode === 'choose') {
        book.phase = 'awaiting-choice';
        book.touch();
        const answered = await condition(() => book.chosenFactorIds !== undefined || book.cancelledBy !== undefined, policy.choiceTimeoutMs);
        if (book.cancelledBy) return await finish('cancelled');
        if (!answered) {
          await notifyTarget('Your MFA reset request expired because no factor was chosen in time. Ask again if you still need it.');
          return await finish('expired');
        }
      } else {
        book.chosenFactorIds = factors.filter((f) => f.resettable).map((f) => f.id);
      }
    }

    // Approval: configured, a protected account, or a helpdesk request for someone else.
    const whyApproval = [
      policy.approval === 'helpdesk' ? 'required for this action' : undefined,
      target.protected ? 'protected account' : undefined,
      book.helpdeskAsked() ? 'requested by helpdesk for another user' : undefined,
    ].filter(Boolean);
    if (whyApproval.length > 0) {
      const approval = book.approval;
      approval.required = true;
      approval.why = whyApproval.join('; ');
      book.phase = 'awaiting-approval';
      book.touch();
      const decided = await condition(() => approval.decision !== undefined || book.cancelledBy !== undefined, policy.approvalTimeoutMs);
      if (book.cancelledBy && !approval.decision) return await finish('cancelled');
      if (!decided) {
        await notifyTarget(`Your ${LABEL[action]} request expired: no helpdesk approval arrived in time. Ask again or contact the helpdesk.`);
        return await finish('expired');
      }
      if (approval.decision === 'denied') {
        await notifyTarget(`Your ${LABEL[action]} request was denied by the helpdesk: ${approval.reason ?? ''}`.trim());
        return await finish('denied');
      }
    }
    if (book.cancelledBy) return await finish('cancelled');

    book.phase = 'resetting';
    book.touch();
    if (action === 'reset-password') {
      const { resetPasswordUrl } = await okta.oktaResetPassword(user.id, { revokeSessions: false });
      book.resetLink = resetPasswordUrl;
      // The account owner gets the link in chat when they asked themselves; otherwise directly.
      if (!book.ownerAsked()) {
        let problem: string | undefined;
        try {
          const sent = await notifySelfService({
            userId: target.oktaUserId,
            login: target.login,
            workflowId: info.workflowId,
            text: 'The helpdesk created a single-use password reset link for you. It works once and expires in 1 hour:',
            secretLink: resetPasswordUrl,
          });
          if (!sent.delivered) problem = `the ${sent.via} notifier cannot deliver links`;
        } catch (err) {
          problem = describeFailure(err);
        }
        if (problem) {
          // Nobody has the link, but Okta already put the account into password recovery.
          book.failureMessage =
            `the reset link could not be delivered to ${target.login} (${problem}). Their account is now in password ` +
            `recovery (RECOVERY) and they may be unable to sign in until they use a reset link: ask again to issue and send a new one`;
          log.error('reset link not delivered', { error: problem });
          return await finish('failed');
        }
      }
      return await finish('link-issued');
    }
    if (policy.mfaMode === 'all' && book.factors!.every((f) => f.resettable)) {
      await okta.oktaResetFactors(user.id);
    } else {
      for (const factorId of book.chosenFactorIds ?? []) await okta.oktaDeleteFactor(user.id, factorId);
    }
    await notifyTarget(`Your MFA factors were reset. Enrol a new factor at ${policy.portalUrl}.`);
    return await finish('factors-reset');
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'InvalidInput') throw err;
    // Waiting requests must be answered: nothing more will resolve the target.
    book.targetResolved = true;
    book.failureMessage = describeFailure(err);
    log.error('self-service request failed', { action, error: book.failureMessage });
    await notifyTarget(`Your ${LABEL[action]} could not be completed. The helpdesk can help.`);
    return await finish('failed');
  }
}

function toFactorView(f: OktaFactorSummary, allowed: string[]): FactorView {
  const resettable = allowed.includes('*') || allowed.includes(f.factorType);
  return { id: f.id, factorType: f.factorType, provider: f.provider, name: f.displayName, status: f.status, resettable };
}
