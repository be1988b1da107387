// The helpdesk console: requests waiting for approval (approve or deny as the signed-in person),
// recent lockouts with their outcomes, the poller's status (with the storm breaker's when the poller
// reports one) and the report of the last 30 days.
import { $, api, el, focus, withSession } from './common.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const ACTIONS = { 'reset-password': 'Password reset', 'reset-mfa': 'MFA reset' };

function table(caption, headers, rows) {
  if (rows.length === 0) return el('p', {}, `${caption}: none.`);
  return el('table', {},
    el('caption', { class: 'sr-only' }, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows),
  );
}

function pendingRow(view, index) {
  const reasonId = `reason-${index}`;
  const requesters = [...new Set(view.requests.map((r) => r.email))].join(', ');
  const decide = (decision) => async () => {
    const reason = $(reasonId).value.trim();
    if (!reason) {
      $('console-status').textContent = 'Give a reason first.';
      focus($(reasonId));
      return;
    }
    try {
      const result = await api('POST', '/web/api/console/approval', { id: view.workflowId, decision, reason });
      $('console-status').textContent = `${decision === 'approve' ? 'Approved' : 'Denied'}: ${view.target?.login ?? view.workflowId}. ${result.message}`;
    } catch (err) {
      $('console-status').textContent = `Not accepted: ${err.message}`;
    }
    await load();
    focus($('pending-title'));
  };
  const account = view.target?.login ?? view.workflowId;
  return el('tr', {},
    el('td', {}, ACTIONS[view.action] ?? view.action),
    el('td', {}, account, view.target?.protected ? el('span', { class: 'badge' }, ' protected') : ''),
    el('td', {}, requesters),
    el('td', {}, view.approval?.why ?? ''),
    el('td', {}, when(view.requests[0]?.at)),
    el('td', {},
      el('label', { for: reasonId, class: 'sr-only' }, `Reason for ${account}`),
      el('input', { id: reasonId, type: 'text', maxlength: 1000, placeholder: 'Reason (e.g. called back)', required: true }),
      el('button', { type: 'button', class: 'approve', onclick: decide('approve'), 'aria-label': `Approve ${ACTIONS[view.action] ?? view.action} for ${account}` }, 'Approve'),
      el('button', { type: 'button', class: 'deny', onclick: decide('deny'), 'aria-label': `Deny ${ACTIONS[view.action] ?? view.action} for ${account}` }, 'Deny'),
    ),
  );
}

function pollerView(poller) {
  if (!poller) return el('p', {}, 'No poller is running for this org.');
  const rows = [
    ['Health', poller.health?.status ?? 'unknown'],
    ['Paused', poller.paused ? `yes${poller.pausedBy ? ` (by ${poller.pausedBy})` : ''}` : 'no'],
    ['Last poll', when(poller.lastPollAt)],
    ['Last successful poll', when(poller.lastSuccessfulPollAt)],
    ['Last error', poller.lastPollError ?? '–'],
    ['Polls / events seen / lockouts started', `${poller.polls} / ${poller.eventsSeen} / ${poller.lockoutsStarted}`],
    ['Open lockouts', String(poller.openLockouts)],
  ];
  // The storm breaker, when the poller reports one (any state field named for it).
  for (const [key, value] of Object.entries(poller)) {
    if (/breaker|storm/i.test(key)) rows.push([`Storm breaker (${key})`, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  }
  return el('dl', { id: 'poller-state' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

async function load() {
  $('console').setAttribute('aria-busy', 'true'); // assistive tech (and the tests) wait for the reload
  try {
    const data = await api('GET', '/web/api/console');
    $('pending').replaceChildren(table('Requests waiting for approval', ['Action', 'Account', 'Requested by', 'Why approval', 'Asked at', 'Decision'], data.pending.map(pendingRow)));
    $('lockouts').replaceChildren(
      table('Recent lockouts', ['Account', 'Status', 'Outcome', 'Started', 'Closed'],
        data.lockouts.map((l) => el('tr', {}, el('td', {}, l.login ?? l.userId ?? l.workflowId), el('td', {}, l.status), el('td', {}, l.outcome ?? '–'), el('td', {}, when(l.startedAt)), el('td', {}, when(l.closedAt))))),
    );
    $('poller').replaceChildren(pollerView(data.poller));
    $('report').textContent = (await api('GET', '/web/api/report?days=30')).text;
  } catch (err) {
    $('console-status').textContent = err.status === 403 ? 'The console is for helpdesk staff.' : `Could not load: ${err.message}`;
  } finally {
    $('console').setAttribute('aria-busy', 'false');
  }
}

$('refresh').addEventListener('click', () => void load());
void withSession(async () => {
  $('console').hidden = false;
  await load();
  focus($('pending-title'));
});
