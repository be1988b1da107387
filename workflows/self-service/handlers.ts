/**
 * The run's message handlers: thin wiring over the request book (state and rules), the approval
 * module and the gatekeeper's answers. Registered before the run's first await.
 */
import { ApplicationFailure, condition, log, patched, setHandler, upsertMemo } from '@temporalio/workflow';
import { decide, decideBySignal } from './approval.js';
import { ANSWER_LINGER } from './outcome.js';
import {
  approvalSignal,
  ApprovalDecisionSchema,
  CancelSchema,
  cancelRequestSignal,
  ChooseFactorsSchema,
  chooseFactorsUpdate,
  type ChooseResult,
  decideApprovalUpdate,
  operatorViewQuery,
  requestViewQuery,
  SubmitRequestSchema,
  submitRequestUpdate,
  type SubmitRequest,
  ViewerSchema,
} from './messages.js';
import type { SelfServiceRun } from './request-book.js';

export function registerHandlers(run: SelfServiceRun): void {
  const { book } = run;

  // Chat requests: join the run (or find the earlier answer), answer once the request is settled.
  setHandler(
    submitRequestUpdate,
    async (raw: SubmitRequest) => {
      // The validator rejected malformed requests; parse again to use the trimmed, normalised values.
      const req = SubmitRequestSchema.parse(raw);
      let r = book.find(req.requestId);
      if (r && r.chatUserId !== req.requester.chatUserId) {
        throw ApplicationFailure.nonRetryable('this request ID belongs to another requester', 'RequestIdConflict');
      }
      // After the reset, the same person asking again gets their earlier answer (not tracked again).
      const earlier = !r ? book.answeredBefore(req) : undefined;
      if (earlier && patched(ANSWER_LINGER)) {
        book.lateAnswers++;
        return book.viewFor(earlier);
      }
      if (!r) {
        r = book.track(req);
        // Clients look here to recognise a retried request after the run closed (memo is encrypted).
        upsertMemo({ requests: book.memoRequests() });
        book.touch();
      }
      const tracked = r;
      await condition(() => book.settled(tracked));
      return book.viewFor(tracked);
    },
    {
      validator: (req: SubmitRequest) => {
        if (book.full(SubmitRequestSchema.parse(req))) {
          throw ApplicationFailure.nonRetryable('Too many requests for this account right now; try again later.', 'TooManyRequests');
        }
      },
    },
  );

  setHandler(requestViewQuery, (viewer) => {
    const v = ViewerSchema.safeParse(viewer);
    if (!v.success) return null;
    const r = book.find(v.data.requestId);
    return r && r.chatUserId === v.data.chatUserId ? book.viewFor(r) : null;
  });
  setHandler(operatorViewQuery, () => book.operatorView());

  // MFA `choose` mode: the employee picks factors; the answer waits until the run acted on the choice.
  setHandler(
    chooseFactorsUpdate,
    async (choice): Promise<ChooseResult> => {
      const r = book.requests.find((x) => x.requestId === choice.requestId && x.chatUserId === choice.chatUserId && x.state === 'accepted');
      if (!r) return { accepted: false, message: 'No such request for this user.' };
      const problem = book.choiceProblem(choice.factorIds);
      if (problem) return { accepted: false, message: problem, view: book.viewFor(r) };
      book.chosenFactorIds = [...new Set(choice.factorIds)];
      book.touch();
      await condition(() => book.phase !== 'awaiting-choice');
      await condition(() => book.settled(r));
      return { accepted: true, view: book.viewFor(r) };
    },
    { validator: (choice) => void ChooseFactorsSchema.parse(choice) },
  );

  setHandler(decideApprovalUpdate, (d) => decide(run, d), {
    validator: (d) => {
      ApprovalDecisionSchema.parse(d);
      if (book.approvalCapped(d.approver)) throw ApplicationFailure.nonRetryable('Too many approval attempts on this request.', 'TooManyRequests');
    },
  });
  setHandler(approvalSignal, (raw) => decideBySignal(run, raw));
  setHandler(cancelRequestSignal, (raw) => {
    const c = CancelSchema.safeParse(raw);
    if (!c.success) {
      log.warn('invalid cancel signal ignored');
      return;
    }
    if (!book.cancel(c.data.by)) log.warn('cancel ignored: too late', { phase: book.phase, by: c.data.by });
  });
}
