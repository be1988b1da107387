import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH } from '../../client/slack-app/app.js';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[]; app_home: { home_tab_enabled: boolean } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

describe('Slack app manifest', () => {
  it('matches what the app serves and needs', () => {
    const m = parse(readFileSync('docs/slack-app-manifest.yaml', 'utf8')) as Manifest;
    const urls = [m.settings.event_subscriptions.request_url, m.settings.interactivity.request_url, ...m.features.slash_commands.map((c) => c.url)];
    for (const url of urls) assert.equal(new URL(url).pathname, SLACK_EVENTS_PATH);
    assert.deepEqual(m.features.slash_commands.map((c) => c.command), ['/okta']);
    assert.equal(m.settings.socket_mode_enabled, false, 'HTTP mode');
    assert.equal(m.settings.interactivity.is_enabled, true);
    assert.deepEqual(m.settings.event_subscriptions.bot_events, ['app_home_opened']);
    assert.equal(m.features.app_home.home_tab_enabled, true);
    assert.deepEqual([...m.oauth_config.scopes.bot].sort(), ['chat:write', 'commands', 'users:read', 'users:read.email']);
  });
});
