/**
 * The run's gatekeeper: beside the main flow, it checks each request the run took in, one at a time
 * and in arrival order, and marks it accepted or refused. The requester is the Okta user whose primary
 * email is the verified email; only the account owner, or helpdesk staff, may ask.
 */
import { condition, log } from '@temporalio/workflow';
import { CANNOT_DELIVER, NOT_YOUR_ACCOUNT } from './authorization.js';
import type { RefusalCode } from './messages.js';
import type { SelfServiceRun } from './request-book.js';
import type { TrackedRequest } from './views.js';

/** Runs for the life of the run (the workflow ends without waiting for it). */
export async function runGatekeeper(run: SelfServiceRun): Promise<never> {
  const { book } = run;
  for (;;) {
    await condition(() => book.queue.length > 0);
    book.authorizing = true;
    const r = book.queue.shift()!;
    try {
      await authorize(run, r);
    } catch (err) {
      r.state = 'refused';
      r.refusal = { code: 'not-allowed', message: 'Your request could not be checked right now; try again later.' };
      log.warn('request check failed', { requestId: r.requestId, error: err instanceof Error ? err.message : String(err) });
    } finally {
      book.authorizing = false;
    }
  }
}

async function authorize(run: SelfServiceRun, r: TrackedRequest): Promise<void> {
  const { book } = run;
  const refuse = (code: RefusalCode, message: string) => {
    book.refuse(r, code, message);
    log.info('request refused', { requestId: r.requestId, code });
  };
  await condition(() => book.policy !== undefined || book.phase === 'done');
  // Before any Okta call: a helpdesk link for someone else needs a notifier that can deliver it.
  if (book.cannotDeliverSecrets() && r.email !== run.targetKey) {
    refuse('not-allowed', CANNOT_DELIVER);
    book.touch();
    return;
  }
  await condition(() => book.targetResolved || book.phase === 'done');
  if (!book.target) {
    if (book.outcome === 'failed') {
      // The run failed before the account was resolved (e.g. Okta unreachable): answer failed, not hang.
      r.state = 'failed';
      log.info('request answered failed', { requestId: r.requestId });
    } else {
      refuse(book.runRefusal?.code ?? 'user-not-found', book.runRefusal?.message ?? 'No Okta account matches this login or email.');
    }
    book.touch();
    return;
  }
  const t = book.target;
  // The requester is the Okta user whose primary email is the verified email (a login that merely looks
  // like that email is someone else).
  const found = await run.okta.oktaFindUser(r.email);
  const requester = found && found.email?.toLowerCase() === r.email ? found : null;
  if (!requester) {
    refuse('requester-not-found', 'Your chat account is not linked to an Okta account (no Okta user with your verified email).');
  } else {
    const self = requester.id === t.oktaUserId;
    const helpdesk = self ? false : book.isHelpdesk(requester.login, requester.email, await run.okta.oktaListUserGroups(requester.id));
    // Checked after the last await: an approval may have been decided meanwhile.
    if (book.approverOktaId !== undefined && requester.id === book.approverOktaId) {
      refuse('not-allowed', 'You decided the approval of this request, so you cannot also be one of its requesters.');
    } else if (self) {
      r.requesterOktaId = requester.id;
      r.self = true;
      r.state = 'accepted';
    } else if (!helpdesk) {
      refuse(NOT_YOUR_ACCOUNT.code, NOT_YOUR_ACCOUNT.message);
    } else if (book.cannotDeliverSecrets()) {
      refuse('not-allowed', CANNOT_DELIVER);
    } else {
      r.requesterOktaId = requester.id;
      r.state = 'accepted';
    }
  }
  book.touch();
}
