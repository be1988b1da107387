// The employee's web chat: a password reset link, an MFA reset with a choice of factors, and the
// answer to a lockout question, always for the signed-in person's own account.
import { $, api, el, focus, withSession } from './common.js';

const POLL_MS = 2000;
const WAITING = new Set(['checking', 'awaiting-approval', 'in-progress']);
let current;

function show(reply) {
  current = reply;
  const answer = $('answer');
  answer.replaceChildren(el('p', { id: 'answer-text' }, reply.message));
  if (reply.resetLink) answer.append(el('p', {}, el('a', { href: reply.resetLink, id: 'reset-link', rel: 'noreferrer' }, 'Open your password reset link')));
  if (reply.portalUrl) answer.append(el('p', {}, el('a', { href: reply.portalUrl, id: 'portal-link', rel: 'noreferrer' }, 'Enrol a new factor')));
  answer.dataset.status = reply.status;
  const choosing = reply.status === 'awaiting-choice' && Array.isArray(reply.factors);
  $('factors').hidden = !choosing;
  if (choosing) {
    $('factor-list').replaceChildren(
      ...reply.factors.map((f) =>
        el('div', { class: 'factor' },
          el('input', { type: 'checkbox', id: `factor-${f.id}`, value: f.id, disabled: !f.resettable }),
          el('label', { for: `factor-${f.id}` }, f.name, f.resettable ? '' : ' (only the helpdesk can reset this one)'),
        ),
      ),
    );
    focus($('factors').querySelector('legend'));
  }
  if (WAITING.has(reply.status)) setTimeout(() => void poll(reply.id), POLL_MS);
}

async function poll(id) {
  if (current?.id !== id) return;
  try {
    show({ ...(await api('GET', `/web/api/requests/${encodeURIComponent(id)}`)), id });
  } catch (err) {
    fail(err);
  }
}

function fail(err) {
  const request = err.data?.error?.details?.request;
  $('answer').replaceChildren(el('p', { id: 'answer-text', class: 'error' }, request?.message ?? err.message));
  $('answer').dataset.status = 'error';
}

async function ask(path) {
  current = undefined;
  $('factors').hidden = true;
  $('answer').replaceChildren(el('p', { id: 'answer-text' }, 'Checking your account…'));
  try {
    show(await api('POST', path, undefined, { 'Idempotency-Key': `web-${crypto.randomUUID()}` }));
  } catch (err) {
    fail(err);
  }
}

async function checkLockout() {
  const { question } = await api('GET', '/web/api/lockout').catch(() => ({ question: null }));
  $('lockout').hidden = !question;
}

async function reply(answer) {
  try {
    await api('POST', '/web/api/lockout/reply', { answer });
    $('lockout').hidden = true;
    $('answer').replaceChildren(el('p', { id: 'answer-text' }, answer === 'yes' ? 'Thanks: your account is being unlocked.' : 'Thanks: the helpdesk will look into it. Your account stays locked.'));
    focus($('chat-title'));
  } catch (err) {
    fail(err);
  }
}

$('ask-password').addEventListener('click', () => void ask('/web/api/password-reset'));
$('ask-mfa').addEventListener('click', () => void ask('/web/api/mfa-reset'));
$('lockout-yes').addEventListener('click', () => void reply('yes'));
$('lockout-no').addEventListener('click', () => void reply('no'));
$('factors').addEventListener('submit', async (event) => {
  event.preventDefault();
  const factorIds = [...$('factor-list').querySelectorAll('input:checked')].map((i) => i.value);
  if (factorIds.length === 0) {
    $('answer').replaceChildren(el('p', { id: 'answer-text', class: 'error' }, 'Choose at least one factor.'));
    return;
  }
  try {
    show({ ...(await api('POST', `/web/api/requests/${encodeURIComponent(current.id)}/factors`, { factorIds })), id: current.id });
  } catch (err) {
    fail(err);
  }
});

void withSession(() => {
  $('chat').hidden = false;
  focus($('chat-title'));
  void checkLockout();
});
