/**
 * Helpdesk approval decisions (the `decideApproval` update and the `approval` signal). The approver is
 * checked in Okta: a helpdesk member who is neither the account owner nor one of the run's requesters.
 * Who may not approve is checked before and again after every await, because requests arrive meanwhile.
 */
import { log } from '@temporalio/workflow';
import { describeFailure } from './outcome.js';
import { ApprovalDecisionSchema, type ApprovalDecision, type ApprovalResult } from './messages.js';
import type { SelfServiceRun } from './request-book.js';

export async function decide(run: SelfServiceRun, d: ApprovalDecision): Promise<ApprovalResult> {
  const { book } = run;
  const reject = (message: string): ApprovalResult => {
    book.approval.rejectedAttempts++;
    log.warn('approval attempt rejected', { approver: d.approver, why: message });
    book.touch();
    return { accepted: false, code: 'not-allowed', message, view: book.operatorView() };
  };
  const notWaiting = (): ApprovalResult => ({ accepted: false, code: 'not-awaiting', message: 'This request is not waiting for approval.', view: book.operatorView() });
  if (!book.awaitingApproval()) return notWaiting();
  if (book.approvalCapped(d.approver)) return { accepted: false, code: 'not-allowed', message: 'Too many approval attempts on this request.', view: book.operatorView() };
  book.countApprovalAttempt(d.approver);
  let approver: Awaited<ReturnType<SelfServiceRun['okta']['oktaFindUser']>>;
  let groups: Awaited<ReturnType<SelfServiceRun['okta']['oktaListUserGroups']>>;
  try {
    approver = await run.okta.oktaFindUser(d.approver);
    if (!approver) return reject('The approver is not a known Okta user.');
    const early = book.approverForbidden(approver.id);
    if (early) return reject(early);
    groups = await run.okta.oktaListUserGroups(approver.id);
  } catch (err) {
    // An Okta failure must not fail the run (signal handlers) nor count as a refusal: record it, ask to retry.
    book.approval.lastError = `${new Date().toISOString()} approver ${d.approver} could not be checked: ${describeFailure(err)}`;
    log.warn('approval attempt could not be checked', { approver: d.approver, error: describeFailure(err) });
    book.touch();
    return { accepted: false, code: 'check-failed', message: 'The approver could not be checked right now (Okta did not answer); try again.', view: book.operatorView() };
  }
  if (!book.awaitingApproval()) return notWaiting();
  const late = book.approverForbidden(approver.id);
  if (late) return reject(late);
  if (!book.isHelpdesk(approver.login, approver.email, groups)) return reject('Only helpdesk staff may approve self-service resets.');
  const approval = book.approval;
  approval.decision = d.decision === 'approve' ? 'approved' : 'denied';
  approval.by = approver.login;
  approval.reason = d.reason;
  approval.at = new Date().toISOString();
  book.approverOktaId = approver.id;
  book.touch();
  log.info('approval decided', { decision: approval.decision, by: approver.login });
  return { accepted: true, message: `Request ${approval.decision}.`, view: book.operatorView() };
}

/** The same decision by signal: invalid payloads are ignored with a warning, and nothing here fails the run. */
export async function decideBySignal(run: SelfServiceRun, raw: unknown): Promise<void> {
  const d = ApprovalDecisionSchema.safeParse(raw);
  if (!d.success) {
    log.warn('invalid approval signal ignored', { issues: d.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  try {
    const result = await decide(run, d.data);
    if (!result.accepted) log.warn('approval signal not accepted', { approver: d.data.approver, why: result.message });
  } catch (err) {
    run.book.approval.lastError = `${new Date().toISOString()} approval signal failed: ${describeFailure(err)}`;
    log.warn('approval signal failed', { error: describeFailure(err) });
    run.book.touch();
  }
}
