import { OktaSimControl } from './control-client.js';
import { DEFAULT_RATE_LIMITS, mergeRateLimits, type PartialRateLimits, type RateLimitConfig } from './rate-limit.js';
import { SimServer } from './server.js';

export { OktaSimControl, SimControlError } from './control-client.js';
export type * from './control-client.js';
export { DEFAULT_RATE_LIMITS, type RateLimitConfig, type RateLimitFamily, type FamilyLimit } from './rate-limit.js';
export { DEMO_USERS, DEMO_GROUPS } from './seed.js';
export type { LogEvent, UserStatus, FactorType } from './types.js';

export interface OktaSimulatorOptions {
  /** 0 = random free port (default). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** 'demo' (named users with factors and groups), 'empty', or any string for a different deterministic org. Default 'demo'. */
  seed?: string;
  /** Extra generated users (deterministic from the seed), for scale tests. */
  users?: number;
  /** Extra generated System Log history events over the last 7 days. */
  events?: number;
  /** SSWS token accepted (default 'sim-api-token'). */
  apiToken?: string;
  /** Per family `{ limit, windowMs }`, plus `tokenShare` and `concurrency`; missing fields keep Okta-like defaults. */
  rateLimits?: Partial<RateLimitConfig> | PartialRateLimits;
  /** Events waiting for event hook delivery (default 10,000); more are dropped and counted. */
  hookQueueLimit?: number;
  quiet?: boolean;
}

export interface OktaSimulator {
  url: string;
  apiToken: string;
  control: OktaSimControl;
  close(): Promise<void>;
}

export async function startOktaSimulator(opts: OktaSimulatorOptions = {}): Promise<OktaSimulator> {
  const apiToken = opts.apiToken ?? 'sim-api-token';
  const server = new SimServer({
    seed: opts.seed ?? 'demo',
    users: opts.users ?? 0,
    events: opts.events ?? 0,
    apiToken,
    rateLimits: mergeRateLimits(DEFAULT_RATE_LIMITS, opts.rateLimits as PartialRateLimits | undefined),
    ...(opts.hookQueueLimit !== undefined ? { hookQueueLimit: opts.hookQueueLimit } : {}),
  });
  const url = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  if (!opts.quiet) console.log(`[okta-sim] listening on ${url} (seed ${opts.seed ?? 'demo'})`);
  return { url, apiToken, control: new OktaSimControl(url), close: () => server.close() };
}
