import type { OktaSimulator } from '../../okta-sim/index.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the simulator's Okta API with its SSWS token (or the given Authorization). */
export async function okta<T = unknown>(sim: OktaSimulator, path: string, init: { method?: string; auth?: string | null; body?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(init.headers ?? {}) };
  const auth = init.auth === undefined ? `SSWS ${sim.apiToken}` : init.auth;
  if (auth !== null) headers.Authorization = auth;
  const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text) as unknown;
  return { status: res.status, headers: res.headers, body: body as T };
}

/** The URL of `rel="next"` in Okta's Link headers, if any. */
export function nextLink(headers: Headers): string | undefined {
  const link = headers.get('link') ?? '';
  for (const part of link.split(/,\s*(?=<)/)) {
    const m = /^<([^>]+)>;\s*rel="next"$/.exec(part.trim());
    if (m) return m[1];
  }
  return undefined;
}
