import type { Prng } from './prng.js';
import type { LogActorRef, LogEvent, LogTargetRef } from './types.js';

interface Known {
  displayMessage: string;
  legacyEventType: string;
  severity: LogEvent['severity'];
}

// Display messages and legacy types as Okta writes them for the event types this project touches.
const KNOWN: Record<string, Known> = {
  'user.account.lock': { displayMessage: 'Max sign in attempts exceeded', legacyEventType: 'core.user_auth.account_locked', severity: 'WARN' },
  'user.account.lock.limit': { displayMessage: 'User account has reached the lockout limit', legacyEventType: 'core.user_auth.account_locked', severity: 'WARN' },
  'user.session.start': { displayMessage: 'User login to Okta', legacyEventType: 'core.user_auth.login_success', severity: 'INFO' },
  'user.account.unlock': { displayMessage: 'Auto-unlock user account', legacyEventType: 'core.user.account.unlocked', severity: 'INFO' },
  'user.account.unlock_by_admin': { displayMessage: 'Unlock user account by admin', legacyEventType: 'core.user.account.unlock_by_admin', severity: 'INFO' },
  'user.account.reset_password': { displayMessage: 'Fired when the user\'s Okta password is reset', legacyEventType: 'core.user.account.reset_password', severity: 'INFO' },
  'user.account.update_password': { displayMessage: 'User update password for Okta', legacyEventType: 'core.user.config.password_update.success', severity: 'INFO' },
  'user.mfa.factor.reset_all': { displayMessage: 'Reset all factors for user', legacyEventType: 'core.user.factor.reset_all', severity: 'INFO' },
  'user.mfa.factor.deactivate': { displayMessage: 'Reset factor for user', legacyEventType: 'core.user.factor.deactivate', severity: 'INFO' },
  'user.mfa.factor.activate': { displayMessage: 'Activate factor for user', legacyEventType: 'core.user.factor.activate', severity: 'INFO' },
};

export interface EventSpec {
  eventType: string;
  actor: LogActorRef;
  target?: LogTargetRef[] | null;
  outcome?: { result: string; reason?: string };
  displayMessage?: string;
  severity?: LogEvent['severity'];
  legacyEventType?: string;
  published: string;
  requestId?: string;
  requestUri?: string;
  ipAddress?: string;
  clientId?: string;
  debugData?: Record<string, unknown>;
}

// Shared, immutable sub-objects: 100k seeded events reference a handful of these instead of copying them.
const GEO = [
  { city: 'San Francisco', state: 'California', country: 'United States', postalCode: '94105', geolocation: { lat: 37.7852, lon: -122.3874 } },
  { city: 'New York', state: 'New York', country: 'United States', postalCode: '10001', geolocation: { lat: 40.7506, lon: -73.9972 } },
  { city: 'London', state: 'England', country: 'United Kingdom', postalCode: 'EC1A', geolocation: { lat: 51.5164, lon: -0.093 } },
];
const USER_AGENTS = [
  { rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', os: 'Mac OS X', browser: 'SAFARI' },
  { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', os: 'Windows 10', browser: 'CHROME' },
];
const SECURITY = { asNumber: 7922, asOrg: 'comcast', isp: 'comcast cable communications llc', domain: 'comcast.net', isProxy: false };

export function legacyFor(eventType: string, outcomeResult: string | undefined): string | undefined {
  if (eventType === 'user.session.start' && outcomeResult === 'FAILURE') return 'core.user_auth.login_failed';
  return KNOWN[eventType]?.legacyEventType;
}

export function buildEvent(spec: EventSpec, prng: Prng): LogEvent {
  const known = KNOWN[spec.eventType];
  const outcome = spec.outcome ?? { result: 'SUCCESS' };
  const geoIdx = prng.int(GEO.length);
  const geo = GEO[geoIdx] ?? GEO[0];
  const ip = spec.ipAddress ?? `203.0.113.${1 + prng.int(250)}`;
  const requestId = spec.requestId ?? prng.chars(27);
  const legacy = spec.legacyEventType ?? legacyFor(spec.eventType, outcome.result);
  const event: LogEvent = {
    uuid: prng.uuid(),
    published: spec.published,
    eventType: spec.eventType,
    version: '0',
    severity: spec.severity ?? known?.severity ?? 'INFO',
    displayMessage: spec.displayMessage ?? known?.displayMessage ?? spec.eventType,
    actor: spec.actor,
    client: {
      userAgent: USER_AGENTS[geoIdx % USER_AGENTS.length],
      zone: 'null',
      device: 'Computer',
      ...(spec.clientId ? { id: spec.clientId } : {}),
      ipAddress: ip,
      geographicalContext: geo,
    },
    authenticationContext: { authenticationStep: 0, externalSessionId: prng.chars(25) },
    securityContext: SECURITY,
    outcome,
    target: spec.target === undefined ? null : spec.target,
    transaction: { type: 'WEB', id: requestId, detail: {} },
    debugContext: {
      debugData: { requestId, ...(spec.requestUri ? { requestUri: spec.requestUri, url: spec.requestUri } : {}), ...(spec.debugData ?? {}) },
    },
    request: { ipChain: [{ ip, geographicalContext: geo, version: 'V4' }] },
  };
  if (legacy) event.legacyEventType = legacy;
  return event;
}
