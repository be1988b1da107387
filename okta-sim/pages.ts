import type { Org } from './org.js';
import type { Reply } from './router.js';

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

export function resetPasswordPage(org: Org, token: string): Reply {
  const r = org.consumeResetToken(token);
  if (!r.ok) {
    return { status: 200, html: page('Reset password', '<p id="status" data-state="expired">This password reset link has expired. Request a new one from your helpdesk.</p>') };
  }
  return {
    status: 200,
    html: page('Reset password', `<p id="status" data-state="consumed">Password reset for ${escape(r.user.profile.login)} completed. This link cannot be used again.</p>`),
  };
}

export function endUserSettingsPage(): Reply {
  return {
    status: 200,
    html: page('Settings', '<p>Security methods: set up or remove authenticators (Okta Verify, SMS, security key) for your account.</p>'),
  };
}
