// Shared by the web chat and the helpdesk console: JSON calls with the session's CSRF token, safe DOM
// building (text only, never HTML from the server), and the sign-in form.
let csrf = '';

export async function api(method, path, body, headers = {}) {
  const h = { ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET') h['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers: h, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) throw Object.assign(new Error(data?.error?.message ?? `The server answered ${res.status}.`), { status: res.status, code: data?.error?.code, data });
  return data;
}

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Moves focus to a heading or region so keyboard and screen-reader users land where the change is. */
export function focus(node) {
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus();
}

/** The navigation and the sign-in form, the same on every page. */
function frame() {
  const current = document.querySelector('header').dataset.page;
  $('nav').replaceChildren(
    el('a', { href: '/web/', 'aria-current': current === 'chat' ? 'page' : false }, 'Web chat'),
    el('a', { href: '/web/console', id: 'console-link', 'aria-current': current === 'console' ? 'page' : false, hidden: true }, 'Helpdesk console'),
    el('span', { id: 'who' }),
    el('button', { type: 'button', id: 'sign-out' }, 'Sign out'),
  );
  $('sign-in').replaceChildren(
    el('h2', { id: 'sign-in-title' }, 'Sign in'),
    el('label', { for: 'email' }, 'Work email'),
    el('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true, maxlength: 254 }),
    el('label', { for: 'token' }, 'Personal access token'),
    el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 }),
    el('button', { type: 'submit' }, 'Sign in'),
    el('p', { id: 'sign-in-error', role: 'alert' }),
  );
}

/** Signs in (or finds the session), then calls onSignedIn({email, helpdesk}). */
export async function withSession(onSignedIn) {
  frame();
  const form = $('sign-in');
  const started = (me) => {
    csrf = me.csrf;
    form.hidden = true;
    $('nav').hidden = false;
    $('who').textContent = `Signed in as ${me.email}`;
    $('console-link').hidden = !me.helpdesk;
    onSignedIn(me);
  };
  $('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/web/api/session').catch(() => undefined);
    location.reload();
  });
  try {
    return started(await api('GET', '/web/api/session'));
  } catch {
    form.hidden = false;
    focus($('email'));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    $('sign-in-error').textContent = '';
    try {
      started(await api('POST', '/web/api/session', { email: $('email').value, token: $('token').value }));
      $('token').value = '';
    } catch (err) {
      $('sign-in-error').textContent = err.status === 401 ? 'Unknown email or token.' : err.message;
      focus($('token'));
    }
  });
}
