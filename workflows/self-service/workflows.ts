/**
 * Self-service workflows: a password reset link (`passwordResetWorkflow`) and an MFA reset
 * (`mfaResetWorkflow`, modes `all` and `choose`), with optional helpdesk approval.
 *
 * One run per target user and action (ID from `selfServiceWorkflowId`); chat requests arrive by
 * update-with-start (`submitRequestUpdate`), so a second concurrent request joins the run and a
 * retried request ID gets the same answer. Each request is authorised on its own: the requester is
 * the Okta user with the verified email; only the account owner, or helpdesk staff (then always with
 * approval), may ask. The reset link lives only in encrypted payloads (payload codec) and is shown
 * only to the account owner's own requests; it is never logged.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OktaActivities, OktaFactorSummary } from '../../activities/okta-activities.js';
import type { SelfServiceActivities, SelfServicePolicy } from '../../activities/self-service/activities.js';
import type { OktaFailureType } from '../../activities/okta/failure-types.js';
import { AccessActionKey, AccessOutcomeKey, OktaLoginKey, OktaUserIdKey } from '../search-attributes.js';
import { CANNOT_DELIVER, isHelpdesk as isHelpdeskRule, NOT_YOUR_ACCOUNT } from './authorization.js';
import {
  answeredBefore as answeredBeforeIn,
  LABEL,
  operatorView as operatorViewOf,
  requestView,
  type RunSnapshot,
  settled as isSettled,
  type TrackedRequest,
} from './views.js';
import {
  ApprovalDecisionSchema,
  approvalSignal,
  type ApprovalDecision,
  type ApprovalResult,
  type ApprovalView,
  CancelSchema,
  cancelRequestSignal,
  ChooseFactorsSchema,
  chooseFactorsUpdate,
  type ChooseResult,
  decideApprovalUpdate,
  type FactorView,
  operatorViewQuery,
  type OperatorView,
  type RefusalCode,
  type RequestView,
  requestViewQuery,
  type SelfServiceAction,
  type SelfServiceOutcome,
  SubmitRequestSchema,
  submitRequestUpdate,
  type SubmitRequest,
  normalizeTargetKey,
  ViewerSchema,
  WorkflowInputSchema,
} from './messages.js';

export type SelfServiceResult = Omit<OperatorView, 'requests'> & { requests: number };

export async function passwordResetWorkflow(input: unknown): Promise<SelfServiceResult> {
  return runSelfService('reset-password', input);
}

export async function mfaResetWorkflow(input: unknown): Promise<SelfServiceResult> {
  return runSelfService('reset-mfa', input);
}


type Phase = OperatorView['phase'];

const { selfServicePolicy, countRecentSelfServiceSuccesses } = proxyActivities<SelfServiceActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: ['InvalidInput'] },
});
const { notifySelfService } = proxyActivities<SelfServiceActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '2s' },
});

// Type-checked against the failure type names (a value import would trip the workflow lint rule's path match).
const NON_RETRYABLE_OKTA: OktaFailureType[] = [
  'OktaBadRequest',
  'OktaUnauthorized',
  'OktaForbidden',
  'OktaNotFound',
  'OktaClientError',
  'OktaResponseShapeError',
  'OktaConfigInvalid',
];

/**
 * Per-run bounds, so nobody can grow a run's history (or its memo) without limit: requests tracked by
 * one run (more are rejected by the update validator, which writes nothing to history) and approval
 * attempts (each costs Okta calls).
 */
export const MAX_TRACKED_REQUESTS = 50;
/** Approval attempts per approver, and distinct approvers per run: one flooding approver blocks only themselves. */
export const MAX_APPROVAL_ATTEMPTS = 5;
export const MAX_APPROVERS = 20;
/** Marker: after a successful reset the run keeps answering late requests for the same account. */
const ANSWER_LINGER = 'self-service-answer-linger';


async function runSelfService(action: SelfServiceAction, raw: unknown): Promise<SelfServiceResult> {
  const info = workflowInfo();
  const parsed = WorkflowInputSchema.safeParse(raw);
  if (!parsed.success || parsed.data.action !== action) {
    throw ApplicationFailure.nonRetryable('invalid self-service workflow input', 'InvalidInput', parsed.success ? 'action mismatch' : parsed.error.issues);
  }
  const input = parsed.data;
  const targetKey = normalizeTargetKey(input.target);
  // Created once the policy is known (attempts and timeout come from the worker's configuration).
  let okta: OktaActivities = undefined as unknown as OktaActivities;
  const oktaProxy = (p: SelfServicePolicy): OktaActivities =>
    proxyActivities<OktaActivities>({
      taskQueue: input.oktaTaskQueue,
      startToCloseTimeout: p.oktaActivityTimeoutMs,
      retry: { maximumAttempts: p.oktaMaxAttempts, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE_OKTA },
    });

  const createdAt = new Date().toISOString();
  let updatedAt = createdAt;
  let phase: Phase = 'checking';
  let outcome: SelfServiceOutcome = 'pending';
  let runRefusal: { code: RefusalCode; message: string } | undefined;
  let failureMessage: string | undefined;
  let target: { oktaUserId: string; login: string; protected: boolean } | undefined;
  let targetResolved = false;
  let policy: SelfServicePolicy | undefined;
  let factors: FactorView[] | undefined;
  let chosenFactorIds: string[] | undefined;
  let resetLink: string | undefined;
  let cancelledBy: string | undefined;
  /** Okta ID of whoever approved or denied: they may not also be a requester of this run. */
  let approverOktaId: string | undefined;
  const approval: ApprovalView = { required: false, rejectedAttempts: 0 };
  const approvalAttempts = new Map<string, number>();
  const approvalCapped = (approver: string) => {
    const key = approver.trim().toLowerCase();
    return (approvalAttempts.get(key) ?? 0) >= MAX_APPROVAL_ATTEMPTS || (!approvalAttempts.has(key) && approvalAttempts.size >= MAX_APPROVERS);
  };
  const requests: TrackedRequest[] = [];
  const queue: TrackedRequest[] = [];
  const touch = () => {
    updatedAt = new Date().toISOString();
  };

  upsertSearchAttributes([
    { key: AccessActionKey, value: action },
    { key: AccessOutcomeKey, value: 'pending' },
    { key: OktaLoginKey, value: input.target.toLowerCase() },
  ]);

  // ---- views (pure, in views.ts) -------------------------------------------------------------
  const snapshot = (): RunSnapshot => ({
    workflowId: info.workflowId,
    runId: info.runId,
    action,
    phase,
    outcome,
    createdAt,
    updatedAt,
    requests,
    approval,
    ...(runRefusal ? { runRefusal } : {}),
    ...(failureMessage !== undefined ? { failureMessage } : {}),
    ...(target ? { target } : {}),
    ...(policy?.portalUrl !== undefined ? { portalUrl: policy.portalUrl } : {}),
    ...(factors ? { factors } : {}),
    ...(chosenFactorIds ? { chosenFactorIds } : {}),
    ...(resetLink !== undefined ? { resetLink } : {}),
    ...(cancelledBy ? { cancelledBy } : {}),
  });
  const viewFor = (r: TrackedRequest): RequestView => requestView(snapshot(), r);
  const operatorView = (): OperatorView => operatorViewOf(snapshot());
  const settled = (r: TrackedRequest) => isSettled({ phase }, r);
  const answeredBefore = (req: SubmitRequest) => answeredBeforeIn({ phase, requests }, req.requester.chatUserId, req.requester.email);

  // ---- handlers ------------------------------------------------------------------------------
  setHandler(
    submitRequestUpdate,
    async (raw: SubmitRequest) => {
      // The validator rejected malformed requests; parse again to use the trimmed, normalised values.
      const req = SubmitRequestSchema.parse(raw);
      let r = requests.find((x) => x.requestId === req.requestId);
      if (r && r.chatUserId !== req.requester.chatUserId) {
        throw ApplicationFailure.nonRetryable('this request ID belongs to another requester', 'RequestIdConflict');
      }
      // After the reset, the same person asking again gets their earlier answer (not tracked again).
      const earlier = !r ? answeredBefore(req) : undefined;
      if (earlier && patched(ANSWER_LINGER)) return viewFor(earlier);
      if (!r) {
        r = {
          requestId: req.requestId,
          frontend: req.frontend,
          chatUserId: req.requester.chatUserId,
          email: req.requester.email.toLowerCase(),
          at: new Date().toISOString(),
          state: 'queued',
          self: false,
        };
        requests.push(r);
        queue.push(r);
        // Clients look here to recognise a retried request after the run closed (memo is encrypted).
        upsertMemo({ requests: requests.map((x) => [x.requestId, x.chatUserId]) });
        touch();
      }
      const tracked = r;
      await condition(() => settled(tracked));
      return viewFor(tracked);
    },
    {
      validator: (req: SubmitRequest) => {
        const parsed = SubmitRequestSchema.parse(req);
        if (requests.length >= MAX_TRACKED_REQUESTS && !requests.some((x) => x.requestId === parsed.requestId) && !answeredBefore(parsed)) {
          throw ApplicationFailure.nonRetryable('Too many requests for this account right now; try again later.', 'TooManyRequests');
        }
      },
    },
  );

  setHandler(requestViewQuery, (viewer) => {
    const v = ViewerSchema.safeParse(viewer);
    if (!v.success) return null;
    const r = requests.find((x) => x.requestId === v.data.requestId);
    return r && r.chatUserId === v.data.chatUserId ? viewFor(r) : null;
  });
  setHandler(operatorViewQuery, () => operatorView());

  setHandler(
    chooseFactorsUpdate,
    async (choice): Promise<ChooseResult> => {
      const r = requests.find((x) => x.requestId === choice.requestId && x.chatUserId === choice.chatUserId && x.state === 'accepted');
      if (!r) return { accepted: false, message: 'No such request for this user.' };
      if (phase !== 'awaiting-choice' || !factors) return { accepted: false, message: 'This request is not waiting for a factor choice.', view: viewFor(r) };
      const unknown = choice.factorIds.filter((id) => !factors!.some((f) => f.id === id));
      const locked = choice.factorIds.filter((id) => factors!.some((f) => f.id === id && !f.resettable));
      if (unknown.length > 0) return { accepted: false, message: `Unknown factor(s): ${unknown.join(', ')}.`, view: viewFor(r) };
      if (locked.length > 0) return { accepted: false, message: `These factors may not be reset here: ${locked.join(', ')}.`, view: viewFor(r) };
      chosenFactorIds = [...new Set(choice.factorIds)];
      touch();
      await condition(() => phase !== 'awaiting-choice');
      await condition(() => settled(r));
      return { accepted: true, view: viewFor(r) };
    },
    { validator: (choice) => void ChooseFactorsSchema.parse(choice) },
  );

  async function decide(d: ApprovalDecision): Promise<ApprovalResult> {
    const reject = (message: string): ApprovalResult => {
      approval.rejectedAttempts++;
      log.warn('approval attempt rejected', { approver: d.approver, why: message });
      touch();
      return { accepted: false, code: 'not-allowed', message, view: operatorView() };
    };
    const notWaiting = (): ApprovalResult => ({ accepted: false, code: 'not-awaiting', message: 'This request is not waiting for approval.', view: operatorView() });
    // Who may not approve; checked before and again after every await (requests arrive meanwhile).
    const forbidden = (approverId: string): string | undefined => {
      if (target && approverId === target.oktaUserId) return 'Nobody may approve a reset of their own account.';
      if (requests.some((r) => r.requesterOktaId === approverId && r.state !== 'refused')) return 'Nobody may approve their own request.';
      return undefined;
    };
    if (phase !== 'awaiting-approval' || approval.decision) return notWaiting();
    if (approvalCapped(d.approver)) return { accepted: false, code: 'not-allowed', message: 'Too many approval attempts on this request.', view: operatorView() };
    approvalAttempts.set(d.approver.trim().toLowerCase(), (approvalAttempts.get(d.approver.trim().toLowerCase()) ?? 0) + 1);
    let approver: Awaited<ReturnType<OktaActivities['oktaFindUser']>>;
    let groups: Awaited<ReturnType<OktaActivities['oktaListUserGroups']>>;
    try {
      approver = await okta.oktaFindUser(d.approver);
      if (!approver) return reject('The approver is not a known Okta user.');
      const early = forbidden(approver.id);
      if (early) return reject(early);
      groups = await okta.oktaListUserGroups(approver.id);
    } catch (err) {
      // An Okta failure must not fail the run (signal handlers) nor count as a refusal: record it, ask to retry.
      approval.lastError = `${new Date().toISOString()} approver ${d.approver} could not be checked: ${describeFailure(err)}`;
      log.warn('approval attempt could not be checked', { approver: d.approver, error: describeFailure(err) });
      touch();
      return { accepted: false, code: 'check-failed', message: 'The approver could not be checked right now (Okta did not answer); try again.', view: operatorView() };
    }
    if (phase !== 'awaiting-approval' || approval.decision) return notWaiting();
    const late = forbidden(approver.id);
    if (late) return reject(late);
    if (!isHelpdesk(approver.login, approver.email, groups)) return reject('Only helpdesk staff may approve self-service resets.');
    approval.decision = d.decision === 'approve' ? 'approved' : 'denied';
    approval.by = approver.login;
    approval.reason = d.reason;
    approval.at = new Date().toISOString();
    approverOktaId = approver.id;
    touch();
    log.info('approval decided', { decision: approval.decision, by: approver.login });
    return { accepted: true, message: `Request ${approval.decision}.`, view: operatorView() };
  }

  setHandler(decideApprovalUpdate, decide, {
    validator: (d) => {
      ApprovalDecisionSchema.parse(d);
      if (approvalCapped(d.approver)) throw ApplicationFailure.nonRetryable('Too many approval attempts on this request.', 'TooManyRequests');
    },
  });
  setHandler(approvalSignal, async (raw) => {
    const d = ApprovalDecisionSchema.safeParse(raw);
    if (!d.success) {
      log.warn('invalid approval signal ignored', { issues: d.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    try {
      const result = await decide(d.data);
      if (!result.accepted) log.warn('approval signal not accepted', { approver: d.data.approver, why: result.message });
    } catch (err) {
      // Never let a signal fail the run.
      approval.lastError = `${new Date().toISOString()} approval signal failed: ${describeFailure(err)}`;
      log.warn('approval signal failed', { error: describeFailure(err) });
      touch();
    }
  });
  setHandler(cancelRequestSignal, (raw) => {
    const c = CancelSchema.safeParse(raw);
    if (!c.success) {
      log.warn('invalid cancel signal ignored');
      return;
    }
    if (phase === 'resetting' || phase === 'done') {
      log.warn('cancel ignored: too late', { phase, by: c.data.by });
      return;
    }
    cancelledBy = c.data.by;
    touch();
  });

  const isHelpdesk = (login: string, email: string | undefined, groups: { name: string }[]) => policy !== undefined && isHelpdeskRule(policy, login, email, groups);

  // ---- request authorisation (runs beside the main flow) --------------------------------------
  const refuse = (r: TrackedRequest, code: RefusalCode, message: string) => {
    r.state = 'refused';
    r.refusal = { code, message };
    log.info('request refused', { requestId: r.requestId, code });
  };
  const cannotDeliverSecrets = () => action === 'reset-password' && policy !== undefined && !policy.secretDelivery;

  async function authorize(r: TrackedRequest): Promise<void> {
    await condition(() => policy !== undefined || phase === 'done');
    // Before any Okta call: a helpdesk link for someone else needs a notifier that can deliver it.
    if (cannotDeliverSecrets() && r.email !== targetKey) {
      refuse(r, 'not-allowed', CANNOT_DELIVER);
      touch();
      return;
    }
    await condition(() => targetResolved || phase === 'done');
    if (!target) {
      if (outcome === 'failed') {
        // The run failed before the account was resolved (e.g. Okta unreachable): answer failed, not hang.
        r.state = 'failed';
        log.info('request answered failed', { requestId: r.requestId });
      } else {
        refuse(r, runRefusal?.code ?? 'user-not-found', runRefusal?.message ?? 'No Okta account matches this login or email.');
      }
      touch();
      return;
    }
    const t = target;
    // The requester is the Okta user whose primary email is the verified email (a login that merely looks
    // like that email is someone else).
    const found = await okta.oktaFindUser(r.email);
    const requester = found && found.email?.toLowerCase() === r.email ? found : null;
    if (!requester) {
      refuse(r, 'requester-not-found', 'Your chat account is not linked to an Okta account (no Okta user with your verified email).');
    } else {
      const self = requester.id === t.oktaUserId;
      const helpdesk = self ? false : isHelpdesk(requester.login, requester.email, await okta.oktaListUserGroups(requester.id));
      // Checked after the last await: an approval may have been decided meanwhile.
      if (approverOktaId !== undefined && requester.id === approverOktaId) {
        refuse(r, 'not-allowed', 'You decided the approval of this request, so you cannot also be one of its requesters.');
      } else if (self) {
        r.requesterOktaId = requester.id;
        r.self = true;
        r.state = 'accepted';
      } else if (!helpdesk) {
        refuse(r, NOT_YOUR_ACCOUNT.code, NOT_YOUR_ACCOUNT.message);
      } else if (cannotDeliverSecrets()) {
        refuse(r, 'not-allowed', CANNOT_DELIVER);
      } else {
        r.requesterOktaId = requester.id;
        r.state = 'accepted';
      }
    }
    touch();
  }

  let authorizing = false;
  const gatekeeper = (async () => {
    for (;;) {
      await condition(() => queue.length > 0);
      authorizing = true;
      const r = queue.shift()!;
      try {
        await authorize(r);
      } catch (err) {
        r.state = 'refused';
        r.refusal = { code: 'not-allowed', message: 'Your request could not be checked right now; try again later.' };
        log.warn('request check failed', { requestId: r.requestId, error: err instanceof Error ? err.message : String(err) });
      } finally {
        authorizing = false;
      }
    }
  })();
  void gatekeeper;

  // ---- main flow ------------------------------------------------------------------------------
  const finish = async (o: SelfServiceOutcome): Promise<SelfServiceResult> => {
    outcome = o;
    phase = 'done';
    touch();
    upsertSearchAttributes([{ key: AccessOutcomeKey, value: o }]);
    upsertMemo({ target: target?.login ?? input.target, outcome: o, requests: requests.map((x) => [x.requestId, x.chatUserId]) });
    if ((o === 'link-issued' || o === 'factors-reset') && patched(ANSWER_LINGER)) {
      // Requests for this account that arrive just after the reset (a user mashing the button, a chat
      // platform or the client retrying after the server's update limits) join this run and get the
      // same answer instead of starting a second reset. Open while requests keep coming, bounded by
      // MAX_TRACKED_REQUESTS.
      const quietMs = policy?.answerLingerMs ?? 0;
      let seen = requests.length;
      while (quietMs > 0 && (await condition(() => requests.length !== seen, quietMs))) seen = requests.length;
    }
    // Requests that arrived meanwhile are answered before the run closes.
    await condition(() => queue.length === 0 && !authorizing && allHandlersFinished());
    const { requests: list, ...rest } = operatorView();
    return { ...rest, requests: list.length };
  };
  const notifyTarget = async (text: string, secretLink?: string) => {
    if (!target) return;
    try {
      await notifySelfService({ userId: target.oktaUserId, login: target.login, workflowId: info.workflowId, text, ...(secretLink ? { secretLink } : {}) });
    } catch (err) {
      log.warn('employee notification failed', { error: err instanceof Error ? err.message : String(err) });
    }
  };

  try {
    policy = await selfServicePolicy(action);
    okta = oktaProxy(policy);
    if (!policy.enabled) {
      runRefusal = { code: 'not-allowed', message: `Self-service ${LABEL[action]} is switched off here; the helpdesk can help.` };
      targetResolved = true;
      return await finish('refused');
    }
    if (cannotDeliverSecrets()) {
      // Only the owner's own request can get a link here (in chat): touch Okta only if one may be that.
      await condition(() => requests.some((r) => r.email === targetKey) || (requests.length > 0 && requests.every((r) => r.state === 'refused')));
      if (!requests.some((r) => r.email === targetKey)) {
        runRefusal = { code: 'not-allowed', message: CANNOT_DELIVER };
        targetResolved = true;
        return await finish('refused');
      }
    }
    const user = await okta.oktaFindUser(input.target);
    if (!user) {
      runRefusal = { code: 'user-not-found', message: 'No Okta account matches this login or email.' };
      targetResolved = true;
      return await finish('refused');
    }
    const groups = await okta.oktaListUserGroups(user.id);
    target = { oktaUserId: user.id, login: user.login, protected: groups.some((g) => policy!.protectedGroups.includes(g.name)) };
    upsertSearchAttributes([
      { key: OktaUserIdKey, value: user.id },
      { key: OktaLoginKey, value: user.login },
    ]);
    targetResolved = true;
    touch();

    // Wait for the first accepted request; if all so far were refused, the run ends refused.
    await condition(() => requests.some((r) => r.state === 'accepted') || (requests.length > 0 && queue.length === 0 && !authorizing));
    if (!requests.some((r) => r.state === 'accepted')) return await finish('refused');

    if (policy.dailyLimit > 0) {
      const since = new Date(Date.parse(createdAt) - 86_400_000).toISOString();
      const used = await countRecentSelfServiceSuccesses({
        oktaUserId: user.id,
        action,
        sinceIso: since,
        excludeRunId: info.runId,
        startedBeforeIso: info.runStartTime.toISOString(),
      });
      if (used >= policy.dailyLimit) {
        runRefusal = {
          code: 'daily-limit',
          message:
            action === 'reset-password'
              ? `The limit of ${policy.dailyLimit} password reset link(s) per 24 hours is reached for this account. Try again later or contact the helpdesk.`
              : `The limit of ${policy.dailyLimit} MFA reset(s) per 24 hours is reached for this account. Contact the helpdesk.`,
        };
        for (const r of requests) if (r.state === 'accepted') r.state = 'refused';
        return await finish('refused');
      }
    }

    // MFA: which factors, and which of them may be reset.
    if (action === 'reset-mfa') {
      const list = await okta.oktaListFactors(user.id);
      factors = list.map((f) => toFactorView(f, policy!.resettableFactorTypes));
      if (!factors.some((f) => f.resettable)) {
        runRefusal = { code: 'nothing-to-reset', message: 'There is no MFA factor on this account that can be reset here.' };
        for (const r of requests) if (r.state === 'accepted') r.state = 'refused';
        return await finish('refused');
      }
      if (policy.mfaMode === 'choose') {
        phase = 'awaiting-choice';
        touch();
        const answered = await condition(() => chosenFactorIds !== undefined || cancelledBy !== undefined, policy.choiceTimeoutMs);
        if (cancelledBy) return await finish('cancelled');
        if (!answered) {
          await notifyTarget('Your MFA reset request expired because no factor was chosen in time. Ask again if you still need it.');
          return await finish('expired');
        }
      } else {
        chosenFactorIds = factors.filter((f) => f.resettable).map((f) => f.id);
      }
    }

    // Approval: configured, a protected account, or a helpdesk request for someone else.
    const whyApproval = [
      policy.approval === 'helpdesk' ? 'required for this action' : undefined,
      target.protected ? 'protected account' : undefined,
      requests.some((r) => r.state === 'accepted' && !r.self) ? 'requested by helpdesk for another user' : undefined,
    ].filter(Boolean);
    if (whyApproval.length > 0) {
      approval.required = true;
      approval.why = whyApproval.join('; ');
      phase = 'awaiting-approval';
      touch();
      const decided = await condition(() => approval.decision !== undefined || cancelledBy !== undefined, policy.approvalTimeoutMs);
      if (cancelledBy && !approval.decision) return await finish('cancelled');
      if (!decided) {
        await notifyTarget(`Your ${LABEL[action]} request expired: no helpdesk approval arrived in time. Ask again or contact the helpdesk.`);
        return await finish('expired');
      }
      if (approval.decision === 'denied') {
        await notifyTarget(`Your ${LABEL[action]} request was denied by the helpdesk: ${approval.reason ?? ''}`.trim());
        return await finish('denied');
      }
    }
    if (cancelledBy) return await finish('cancelled');

    phase = 'resetting';
    touch();
    if (action === 'reset-password') {
      const { resetPasswordUrl } = await okta.oktaResetPassword(user.id, { revokeSessions: false });
      resetLink = resetPasswordUrl;
      // The account owner gets the link in chat when they asked themselves; otherwise directly.
      const ownerAsked = requests.some((r) => r.state === 'accepted' && r.self);
      if (!ownerAsked) {
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
          failureMessage =
            `the reset link could not be delivered to ${target.login} (${problem}). Their account is now in password ` +
            `recovery (RECOVERY) and they may be unable to sign in until they use a reset link: ask again to issue and send a new one`;
          log.error('reset link not delivered', { error: problem });
          return await finish('failed');
        }
      }
      return await finish('link-issued');
    }
    const everyResettable = factors!.every((f) => f.resettable);
    if (policy.mfaMode === 'all' && everyResettable) {
      await okta.oktaResetFactors(user.id);
    } else {
      for (const factorId of chosenFactorIds ?? []) await okta.oktaDeleteFactor(user.id, factorId);
    }
    await notifyTarget(`Your MFA factors were reset. Enrol a new factor at ${policy.portalUrl}.`);
    return await finish('factors-reset');
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'InvalidInput') throw err;
    // Waiting requests must be answered: nothing more will resolve the target.
    targetResolved = true;
    failureMessage = describeFailure(err);
    log.error('self-service request failed', { action, error: failureMessage });
    await notifyTarget(`Your ${LABEL[action]} could not be completed. The helpdesk can help.`);
    return await finish('failed');
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return `${err.cause.type ?? 'error'}: ${err.cause.message}`;
  return err instanceof Error ? err.message : 'unknown error';
}

function toFactorView(f: OktaFactorSummary, allowed: string[]): FactorView {
  const resettable = allowed.includes('*') || allowed.includes(f.factorType);
  return { id: f.id, factorType: f.factorType, provider: f.provider, name: f.displayName, status: f.status, resettable };
}
