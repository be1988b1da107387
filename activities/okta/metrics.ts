/**
 * Okta call metrics, through the Temporal SDK's metric meter so they are served on the same `/metrics`
 * endpoint as the SDK's own. Labels are bounded: the endpoint is a path template (user and factor IDs
 * replaced by `{id}`), never a raw path, so a login can never become a label value.
 */
import type { MetricMeter } from '@temporalio/common';

export const OKTA_METRICS = {
  requests: 'okta_api_requests',
  latency: 'okta_api_request_latency',
  rateLimitRemaining: 'okta_api_rate_limit_remaining',
} as const;

export interface OktaHttpMetrics {
  /** One finished HTTP call; `status` undefined when Okta never answered (timeout, reset...). */
  request(call: { endpoint: string; method: string; status: number | undefined; durationMs: number }): void;
  /** Okta's `X-Rate-Limit-Remaining` for a bucket, as last seen. */
  rateLimitRemaining(bucket: string, remaining: number): void;
}

export function createOktaHttpMetrics(meter: MetricMeter): OktaHttpMetrics {
  const requests = meter.createCounter(OKTA_METRICS.requests, '1', 'Okta API calls by endpoint template, method and HTTP status');
  const latency = meter.createHistogram(OKTA_METRICS.latency, 'int', 'ms', 'Okta API call duration');
  const remaining = meter.createGauge(OKTA_METRICS.rateLimitRemaining, 'int', '1', "Okta's X-Rate-Limit-Remaining, per bucket");
  return {
    request({ endpoint, method, status, durationMs }) {
      requests.add(1, { endpoint, method, status: status === undefined ? 'no_response' : String(status) });
      latency.record(Math.max(0, Math.round(durationMs)), { endpoint, method });
    },
    rateLimitRemaining(bucket, value) {
      remaining.set(Math.max(0, Math.round(value)), { bucket });
    },
  };
}

/**
 * `/api/v1/users/00u1/factors/ufs2` → `/api/v1/users/{id}/factors/{id}`. Only the paths this client calls
 * have a shape; anything else is cut to its first three segments so label values stay few.
 */
export function endpointTemplate(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'users' && parts.length > 3) {
    parts[3] = '{id}';
    if (parts[4] === 'factors' && parts.length > 5) parts[5] = '{id}';
    return `/${parts.slice(0, 6).join('/')}`;
  }
  if (path === '/oauth2/v1/token' || path === '/api/v1/logs' || path === '/api/v1/users') return path;
  return `/${parts.slice(0, 3).join('/')}`;
}
