/**
 * The one typed configuration object of okta-account-access.
 *
 * Everything comes from environment variables (and an optional `.env` file, whose values never
 * override the real environment). `loadConfig` validates all of it at once and throws a
 * `ConfigError` whose message names every bad variable, so a misconfigured deployment fails at
 * start-up with one readable message instead of at the first lockout. Secrets are held in the
 * returned object but never printed: use `describeConfig` for logs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { z } from 'zod';

/** Parses "30s", "5m", "1h", "250ms" or a plain number of milliseconds. */
export function parseDurationMs(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Math.round(amount * factor);
}

const duration = (fallback: string, options: { allowZero?: boolean } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined || ms < 0 || (ms === 0 && !options.allowZero)) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "5m" or "1500ms", got "${value}"` });
        return z.NEVER;
      }
      return ms;
    });

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const positiveNumber = (fallback: number) =>
  z.coerce.number({ message: 'expected a number' }).positive({ message: 'expected a number above 0' }).default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** http(s) only, and no user:password@ (a credential there would be printed in start-up logs). */
const url = z.url({ message: 'expected an absolute URL such as https://example.okta.com' }).superRefine((value, ctx) => {
  if (!URL.canParse(value)) return;
  const u = new URL(value);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
  if (u.username || u.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password (put credentials in their own variables)' });
});
const optionalUrl = optionalString.pipe(url.optional());
/** A number that may be left blank (unset); `ok` says which values are accepted. */
const optionalNumber = (ok: (v: number) => boolean, message: string) =>
  optionalString.pipe(
    z
      .string()
      .optional()
      .transform((v) => (v === undefined ? undefined : Number(v)))
      .refine((v) => v === undefined || ok(v), { message }),
  );
const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL such as http://otel-collector:4318' });

/** Variables whose values are credentials: never echoed, not even in validation errors. */
export const SECRET_VARIABLES = new Set([
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_KEY',
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'NOTIFIER_WEBHOOK_SECRET',
  'PAYLOAD_ENCRYPTION_KEYS',
  'HTTP_API_TOKENS',
  'HTTP_API_APPROVER_TOKENS',
  'WEB_USERS',
  'CODEC_SERVER_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'EVENT_HOOK_SECRET',
]);

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('okta-account-access'),
  TEMPORAL_OKTA_TASK_QUEUE: z.string().min(1).default('okta-account-access-okta'),
  /** System Log reads: their own queue and rate, so detection never waits behind unlock calls. */
  TEMPORAL_OKTA_LOG_TASK_QUEUE: z.string().min(1).default('okta-account-access-okta-logs'),
  /** The lockout poller's workflow tasks; absent: TEMPORAL_TASK_QUEUE with `-poller` appended. */
  TEMPORAL_POLLER_TASK_QUEUE: optionalString,
  TEMPORAL_TLS: bool(false),
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** PEM contents instead of a path (what a temporal.toml profile's `*_data` keys give). */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_API_KEY: optionalString,
  /** Profile in temporal.toml (default `default`) and that file's path, as Temporal's CLI reads them. */
  TEMPORAL_PROFILE: optionalString,
  TEMPORAL_CONFIG_FILE: optionalString,

  OKTA_ORG_URL: optionalUrl,
  OKTA_API_TOKEN: optionalString,
  OKTA_CLIENT_ID: optionalString,
  OKTA_PRIVATE_KEY: optionalString,
  OKTA_PRIVATE_KEY_PATH: optionalString,
  OKTA_KEY_ID: optionalString,
  OKTA_SCOPES: z.string().default('okta.logs.read okta.users.read okta.users.manage'),
  /** DPoP for the OAuth service app: auto (use it when Okta requires it), true/on, false/off. */
  OKTA_DPOP: z
    .enum(['auto', 'true', 'false', 'on', 'off'], { message: 'expected auto, true or false' })
    .default('auto')
    .transform((v): 'auto' | 'on' | 'off' => (v === 'true' || v === 'on' ? 'on' : v === 'false' || v === 'off' ? 'off' : 'auto')),
  OKTA_REQUEST_TIMEOUT: duration('10s'),
  /** Activity start-to-close for one Okta call: after a worker crash the call is retried this much later. */
  OKTA_ACTIVITY_TIMEOUT: duration('30s'),
  /** Okta API calls per second across all workers (enforced by the Temporal server). */
  OKTA_MAX_REQUESTS_PER_SECOND: positiveNumber(5),
  /** System Log reads per second across all workers (Okta's default: 60/min for one token). */
  OKTA_LOG_MAX_REQUESTS_PER_SECOND: positiveNumber(1),

  /**
   * Workflows a worker keeps in memory between tasks (each run about 0.9 MB of heap, see
   * workers/workflow-cache.ts). Unset: as many as the heap limit holds, at most 250; a spray of
   * thousands of open episodes must not take the worker's memory with it. Evicted workflows are
   * replayed from history when they next have work.
   */
  WORKER_MAX_CACHED_WORKFLOWS: optionalNumber((v) => Number.isInteger(v) && v >= 2 && v <= 100_000, 'expected a whole number from 2 to 100000'),
  /**
   * A workflow bundle built ahead (`npm run build:workflows`): the worker starts faster and skips
   * bundling, which alone takes hundreds of MB at start-up. Unset: bundled at start.
   */
  WORKFLOW_BUNDLE_PATH: optionalString,

  LOCKOUT_POLL_INTERVAL: duration('30s'),
  LOCKOUT_LOOKBACK: duration('1h'),
  LOCKOUT_POLL_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  LOCKOUT_MAX_PAGES_PER_POLL: z.coerce.number().int().min(1).max(1000).default(10),
  /** Lockout children one poller run starts before continuing as new (below the server's pending-child limit). */
  LOCKOUT_MAX_CHILDREN_PER_RUN: z.coerce.number().int().min(1).max(50_000).default(1_000),
  /** After a lost cursor, polling restarts this long before the last good poll. */
  LOCKOUT_CURSOR_OVERLAP: duration('5m'),
  /**
   * Episodes a storm's hand-overs start per second (one hand-over at a time, in log order). Unset:
   * what the Okta rate serves at 2 calls per lockout (any excess only piles up as open episodes). 0: all at once.
   */
  LOCKOUT_STORM_STARTS_PER_SECOND: optionalNumber((v) => v === 0 || (v >= 0.1 && v <= 10_000), 'expected 0 (all at once) or a number from 0.1 to 10000'),
  UNLOCK_POLICY: z.enum(['auto', 'ask-user', 'notify-only']).default('auto'),
  ASK_USER_TIMEOUT: duration('15m'),
  /** Attack-safe unlock policies (storm breaker, threats, protected accounts, re-lock loops, caps). */
  LOCKOUT_POLICIES: bool(true),
  /** More than this many lockouts within STORM_BREAKER_WINDOW trips the storm breaker. */
  STORM_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(5_000).default(50),
  STORM_BREAKER_WINDOW: duration('5m'),
  /** What new lockouts get while the breaker is tripped: held (helpdesk) or asked in chat. */
  STORM_BREAKER_MODE: z.enum(['hold', 'ask-user']).default('hold'),
  /** The breaker closes by itself after this long without a lockout. */
  STORM_BREAKER_QUIET: duration('30m'),
  /** Okta risk levels that count as a threat (comma-separated; empty: only threatSuspected). */
  THREAT_RISK_LEVELS: z.string().max(200).default('HIGH'),
  /** A lockout from an IP the user was not locked out from before counts as a threat. */
  THREAT_NEW_NETWORK: bool(true),
  /** Threatening lockouts: ask the user in chat first, or go to the helpdesk for approval. */
  THREAT_MODE: z.enum(['ask-user', 'helpdesk']).default('ask-user'),
  /** Lockouts per user within 24 h unlocked automatically; the next one is told what to fix. 0: off. */
  RELOCK_MAX_PER_DAY: z.coerce.number().int().min(0).max(100).default(3),
  /** Informational lockout chat messages per user per 24 h (questions always go). 0: no cap. */
  LOCKOUT_NOTIFY_MAX_PER_DAY: z.coerce.number().int().min(0).max(100).default(4),
  /** Members of PROTECTED_GROUPS are never unlocked automatically: the helpdesk approves. */
  LOCKOUT_PROTECT_GROUPS: bool(true),
  /** How long a worker trusts its copy of the protected groups' members (0: read each locked user's groups). */
  LOCKOUT_PROTECTED_CACHE_TTL: duration('60s', { allowZero: true }),

  NOTIFIER: z.enum(['log', 'webhook']).default('log'),
  NOTIFIER_WEBHOOK_URL: optionalUrl,
  NOTIFIER_WEBHOOK_SECRET: optionalString,

  FEATURE_LOCKOUT_POLLER: bool(true),
  FEATURE_PASSWORD_RESET: bool(true),
  FEATURE_MFA_RESET: bool(true),

  // Self-service: password reset links and MFA resets from chat frontends.
  /** "keyId:base64-32-byte-key,..." — the first key encrypts, every key decrypts (rotation). */
  PAYLOAD_ENCRYPTION_KEYS: optionalString,
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_SERVER_TOKEN: optionalString,
  /** Web UI origins allowed to call the codec server (comma-separated); default: the dev server's UI. */
  CODEC_SERVER_CORS_ORIGINS: optionalString,
  /** Extra `Host` names the codec server answers to (a proxy's or Service's name), comma-separated. */
  CODEC_SERVER_ALLOWED_HOSTS: z.string().max(2000).default(''),
  /** The dev server's Web UI port (scripts/temporal-dev.sh): the codec server's default CORS origins follow it. */
  TEMPORAL_DEV_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  HTTP_API_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  HTTP_API_HOST: z.string().min(1).default('127.0.0.1'),
  /** "frontendName:token,..." — one bearer token per chat frontend. */
  HTTP_API_TOKENS: optionalString,
  /** "login:token,..." — personal bearer tokens of helpdesk people: each approves only as its own login. */
  HTTP_API_APPROVER_TOKENS: optionalString,
  /** "email:token,..." — people who may sign in to the web chat and (helpdesk logins) the console. */
  WEB_USERS: optionalString,
  HTTP_API_RATE_LIMIT_PER_FRONTEND: z.coerce.number().int().min(1).max(1_000_000).default(600),
  HTTP_API_RATE_LIMIT_PER_CHAT_USER: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Browser origins allowed to call the HTTP API (comma-separated; default none). */
  HTTP_API_CORS_ORIGINS: z.string().default(''),
  /** Attempts per Okta call in the self-service workflows (1 = no retry). */
  SELF_SERVICE_OKTA_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** After a successful reset, the run keeps answering late requests for the account until none came for this long. */
  SELF_SERVICE_ANSWER_LINGER: duration('10s', { allowZero: true }),
  APPROVAL_PASSWORD_RESET: z.enum(['none', 'helpdesk']).default('none'),
  APPROVAL_MFA_RESET: z.enum(['none', 'helpdesk']).default('none'),
  APPROVAL_TIMEOUT: duration('4h'),
  MFA_CHOICE_TIMEOUT: duration('30m'),
  HELPDESK_GROUP: z.string().default('Helpdesk'),
  HELPDESK_LOGINS: z.string().default(''),
  PROTECTED_GROUPS: z.string().default('Okta Admins'),
  MFA_RESET_MODE: z.enum(['all', 'choose']).default('choose'),
  /** Factor types an employee may reset themselves ("*" = all). */
  MFA_RESETTABLE_FACTOR_TYPES: z.string().default('push,token:software:totp,sms,call,email,question,webauthn,signed_nonce'),
  DAILY_LIMIT_PASSWORD_RESET: z.coerce.number().int().min(0).default(3),
  DAILY_LIMIT_MFA_RESET: z.coerce.number().int().min(0).default(1),
  OKTA_PORTAL_URL: optionalUrl,

  // Slack app (client/slack-app/): set the signing secret and bot token to run it.
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  /** Channel ID (C...) where helpdesk approval requests are posted. */
  SLACK_HELPDESK_CHANNEL: optionalString.pipe(z.string().regex(/^[CG][A-Z0-9]{2,20}$/, { message: 'expected a Slack channel ID such as C0123456789' }).optional()),
  SLACK_APP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_APP_HOST: z.string().min(1).default('127.0.0.1'),

  /** Helpdesk minutes one avoided ticket costs (for the report's "minutes saved"). */
  REPORT_MINUTES_PER_TICKET: positiveNumber(15),

  // Okta event hook receiver (push; the poller stays the backstop).
  EVENT_HOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8092),
  EVENT_HOOK_HOST: z.string().min(1).default('127.0.0.1'),
  /** The auth header value Okta sends with every hook call (Okta's channel.config.authScheme.value). */
  EVENT_HOOK_SECRET: optionalString,
  EVENT_HOOK_AUTH_HEADER: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected an HTTP header name').default('Authorization'),
  /** The receiver's public HTTPS URL that Okta calls (registration); defaults to the local address. */
  EVENT_HOOK_URL: optionalUrl,
  EVENT_HOOK_NAME: z.string().trim().min(1).max(255).default('okta-account-access lockouts'),
  /** Event types the hook subscribes to (both are event-hook-eligible in Okta's catalog). */
  EVENT_HOOK_EVENT_TYPES: z.string().default('user.account.lock,user.session.start'),

  OKTA_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  OKTA_SIM_SEED: z.string().default('demo'),

  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),

  /** The worker's /livez, /readyz and /metrics (0 = any free port, logged at start). */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** All interfaces by default so Kubernetes probes and Prometheus reach it; `npm start` uses loopback. */
  WORKER_HEALTH_HOST: z.string().min(1).max(255).default('0.0.0.0'),
  /** The SDK runtime's Prometheus exporter plus the project's metrics, served on /metrics. */
  WORKER_METRICS: bool(true),
  /** OpenTelemetry tracing is on when one of these is set (OTLP over HTTP, JSON). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(httpUrl.optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(httpUrl.optional()),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default('okta-account-access-worker'),
});

export type OktaAuthConfig =
  | { kind: 'ssws'; token: string }
  | { kind: 'oauth'; clientId: string; privateKeyPem: string; keyId?: string; scopes: string[]; dpop: 'auto' | 'on' | 'off' };

export interface AppConfig {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Okta activities run on their own queue so the server can pace them to Okta's rate limit. */
    oktaTaskQueue: string;
    /** System Log reads, paced separately. */
    oktaLogTaskQueue: string;
    /**
     * The lockout poller runs here, on a worker of its own: a storm's thousands of episodes on the
     * main queue neither delay its workflow tasks nor push it out of the worker's cache.
     */
    pollerTaskQueue: string;
    tls?: {
      serverName?: string;
      caPath?: string;
      caPem?: string;
      clientCertPath?: string;
      clientCertPem?: string;
      clientKeyPath?: string;
      clientKeyPem?: string;
    };
    apiKey?: string;
    /** gRPC headers from the profile's `grpc_meta` (values may be credentials: never logged). */
    grpcMeta?: Record<string, string>;
    /** The temporal.toml profile that gave defaults, when one did. */
    profile?: string;
  };
  /** undefined when no org is configured: the start script then runs the Okta simulator. */
  okta?: { orgUrl: string; auth: OktaAuthConfig; requestTimeoutMs: number };
  oktaMaxRequestsPerSecond: number;
  oktaLogMaxRequestsPerSecond: number;
  oktaActivityTimeoutMs: number;
  /** Worker-level cache of PROTECTED_GROUPS members for the lockout check; 0 = off. */
  protectedMembersCacheTtlMs: number;
  /** Unset: derived from the heap limit by the worker (workers/workflow-cache.ts). */
  workerMaxCachedWorkflows?: number;
  workflowBundlePath?: string;
  lockout: {
    pollIntervalMs: number;
    lookbackMs: number;
    pageSize: number;
    maxPagesPerPoll: number;
    maxChildrenPerRun: number;
    cursorOverlapMs: number;
    /** Episodes a storm's hand-overs start per second; undefined: all at once. */
    stormStartsPerSecond?: number;
    unlockPolicy: 'auto' | 'ask-user' | 'notify-only';
    askUserTimeoutMs: number;
    /** Attack-safe unlock policies; undefined when LOCKOUT_POLICIES is off. */
    policies?: {
      breaker: { threshold: number; windowMs: number; mode: 'hold' | 'ask-user'; quietMs: number };
      threat: { riskLevels: string[]; newNetwork: boolean; mode: 'ask-user' | 'helpdesk' };
      relockMaxPerDay: number;
      notifyMaxPerDay: number;
      protectedGroups: string[];
    };
  };
  notifier: { kind: 'log' } | { kind: 'webhook'; url: string; secret: string };
  features: { lockoutPoller: boolean; passwordReset: boolean; mfaReset: boolean };
  oktaSimulator: { port: number; seed: string };
  eventHook: EventHookConfig;
  selfService: SelfServiceConfig;
  /** undefined unless SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set. */
  slack?: SlackConfig;
  report: { minutesPerTicket: number };
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  observability: ObservabilityConfig;
}

export interface ObservabilityConfig {
  /** Where the worker serves /livez, /readyz and /metrics. */
  health: { host: string; port: number };
  /** SDK runtime metrics and the project's, through the runtime's Prometheus exporter. */
  metrics: boolean;
  /** OTLP/HTTP traces URL (`.../v1/traces`); undefined = tracing off. */
  tracesEndpoint?: string;
  serviceName: string;
}

export interface SlackConfig {
  signingSecret: string;
  botToken: string;
  /** Where approval requests go; undefined = approvals are not posted to Slack. */
  helpdeskChannel?: string;
  host: string;
  port: number;
}

export interface EventHookConfig {
  host: string;
  port: number;
  /** Required to run the receiver or register the hook. */
  secret?: string;
  authHeader: string;
  /** What Okta calls: EVENT_HOOK_URL, or the receiver's local address. */
  url: string;
  name: string;
  eventTypes: string[];
}

/** The receiver's one delivery path (also the verification path). */
export const EVENT_HOOK_PATH = '/okta/event-hook';

export type ApprovalMode = 'none' | 'helpdesk';

export interface SelfServiceConfig {
  /** First = current (encrypts); all decrypt. Empty when PAYLOAD_ENCRYPTION_KEYS is unset. */
  payloadKeys: { id: string; key: Buffer }[];
  codecServer: { host: string; port: number; token?: string; corsOrigins: string[]; allowedHosts: string[] };
  httpApi: {
    host: string;
    port: number;
    tokens: { frontend: string; token: string }[];
    approverTokens: { name: string; token: string }[];
    /** Requests per minute per frontend token, and creates/choices per minute per chat user. */
    rateLimits: { perFrontendPerMinute: number; perChatUserPerMinute: number };
    corsOrigins: string[];
    /** People of the web chat and console (WEB_USERS); empty = no web pages. */
    webUsers: { email: string; token: string }[];
  };
  /** Attempts per Okta call in the self-service workflows. */
  oktaMaxAttempts: number;
  answerLingerMs: number;
  approval: { passwordReset: ApprovalMode; mfaReset: ApprovalMode; timeoutMs: number };
  mfaChoiceTimeoutMs: number;
  helpdesk: { group?: string; logins: string[] };
  protectedGroups: string[];
  mfaResetMode: 'all' | 'choose';
  /** `['*']` = every factor type. */
  resettableFactorTypes: string[];
  dailyLimits: { passwordReset: number; mfaReset: number };
  /** Where employees enrol a new factor; undefined = `${okta org URL}/enduser/settings` at run time. */
  portalUrl?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads KEY=VALUE lines; the real environment wins over the file. */
export function readDotEnv(path: string): Env {
  if (!existsSync(path)) return {};
  const env: Env = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    let value = match[2] ?? '';
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n');
    env[match[1]!] = value;
  }
  return env;
}

/** Validates the environment into an AppConfig, or throws one ConfigError naming every bad variable. */
/**
 * What `npm start` wrote for the local system (simulator URL and token, the generated development
 * payload key), so the CLI and other processes started by hand find the same settings. `.env` and
 * the real environment override it.
 */
export const LOCAL_SYSTEM_ENV_PATH = '.data/local-system.env';

export function loadConfig(env: Env = process.env, options: { dotEnvPath?: string | false } = {}): AppConfig {
  const dotEnv =
    options.dotEnvPath === false ? {} : { ...readDotEnv(LOCAL_SYSTEM_ENV_PATH), ...readDotEnv(options.dotEnvPath ?? '.env') };
  const problems: string[] = [];
  // A temporal.toml profile gives the Temporal connection's defaults; .env and the environment win.
  const profile = readTemporalProfile({ ...dotEnv, ...env }, problems);
  const merged: Env = { ...profile.env, ...dotEnv, ...env };
  // One pass: a variable that fails its own check is reported, then left at its default so the
  // cross-variable checks below still run and every problem lands in the same message.
  const bad = new Set<string>();
  let parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(root)');
      bad.add(name);
      // zod messages may quote the received value; for secrets say only that it is invalid.
      problems.push(SECRET_VARIABLES.has(name) ? `${name}: invalid value (not shown)` : `${name}: ${issue.message}`);
    }
    parsed = envSchema.safeParse(Object.fromEntries(Object.entries(merged).filter(([k]) => !bad.has(k))));
    if (!parsed.success) throw new ConfigError(problems);
  }
  const e = parsed.data;

  const okta = resolveOkta(e, problems);
  const notifier = resolveNotifier(e, problems);
  const tls = resolveTls(e, problems);
  const selfService = resolveSelfService(e, problems);
  if (e.EVENT_HOOK_SECRET !== undefined && e.EVENT_HOOK_SECRET.length < 16) problems.push('EVENT_HOOK_SECRET: at least 16 characters (not shown)');
  const slack = resolveSlack(e, problems);
  const pollerTaskQueue = e.TEMPORAL_POLLER_TASK_QUEUE ?? `${e.TEMPORAL_TASK_QUEUE}-poller`;
  checkTaskQueues({ TEMPORAL_TASK_QUEUE: e.TEMPORAL_TASK_QUEUE, TEMPORAL_OKTA_TASK_QUEUE: e.TEMPORAL_OKTA_TASK_QUEUE, TEMPORAL_OKTA_LOG_TASK_QUEUE: e.TEMPORAL_OKTA_LOG_TASK_QUEUE, TEMPORAL_POLLER_TASK_QUEUE: pollerTaskQueue }, problems);
  if (problems.length > 0) {
    // A variable already reported as invalid is not reported again by a cross-variable check.
    const reported = new Set<string>();
    throw new ConfigError(
      problems.filter((p) => {
        const name = p.split(':')[0]!;
        const repeat = bad.has(name) && reported.has(name);
        reported.add(name);
        return !repeat;
      }),
    );
  }

  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      oktaTaskQueue: e.TEMPORAL_OKTA_TASK_QUEUE,
      oktaLogTaskQueue: e.TEMPORAL_OKTA_LOG_TASK_QUEUE,
      pollerTaskQueue,
      ...(tls ? { tls } : {}),
      ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
      ...(profile.grpcMeta ? { grpcMeta: profile.grpcMeta } : {}),
      ...(profile.name ? { profile: profile.name } : {}),
    },
    ...(okta ? { okta } : {}),
    oktaMaxRequestsPerSecond: e.OKTA_MAX_REQUESTS_PER_SECOND,
    oktaLogMaxRequestsPerSecond: e.OKTA_LOG_MAX_REQUESTS_PER_SECOND,
    oktaActivityTimeoutMs: e.OKTA_ACTIVITY_TIMEOUT,
    protectedMembersCacheTtlMs: e.LOCKOUT_PROTECTED_CACHE_TTL,
    ...(e.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(e.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: e.WORKFLOW_BUNDLE_PATH } : {}),
    lockout: {
      pollIntervalMs: e.LOCKOUT_POLL_INTERVAL,
      lookbackMs: e.LOCKOUT_LOOKBACK,
      pageSize: e.LOCKOUT_POLL_PAGE_SIZE,
      maxPagesPerPoll: e.LOCKOUT_MAX_PAGES_PER_POLL,
      maxChildrenPerRun: e.LOCKOUT_MAX_CHILDREN_PER_RUN,
      cursorOverlapMs: e.LOCKOUT_CURSOR_OVERLAP,
      ...stormRate(e.LOCKOUT_STORM_STARTS_PER_SECOND, e.OKTA_MAX_REQUESTS_PER_SECOND),
      unlockPolicy: e.UNLOCK_POLICY,
      askUserTimeoutMs: e.ASK_USER_TIMEOUT,
      ...(e.LOCKOUT_POLICIES
        ? {
            policies: {
              breaker: { threshold: e.STORM_BREAKER_THRESHOLD, windowMs: e.STORM_BREAKER_WINDOW, mode: e.STORM_BREAKER_MODE, quietMs: e.STORM_BREAKER_QUIET },
              threat: { riskLevels: list(e.THREAT_RISK_LEVELS).map((l) => l.toUpperCase()).slice(0, 5), newNetwork: e.THREAT_NEW_NETWORK, mode: e.THREAT_MODE },
              relockMaxPerDay: e.RELOCK_MAX_PER_DAY,
              notifyMaxPerDay: e.LOCKOUT_NOTIFY_MAX_PER_DAY,
              protectedGroups: e.LOCKOUT_PROTECT_GROUPS ? list(e.PROTECTED_GROUPS).slice(0, 20) : [],
            },
          }
        : {}),
    },
    notifier: notifier!,
    features: {
      lockoutPoller: e.FEATURE_LOCKOUT_POLLER,
      passwordReset: e.FEATURE_PASSWORD_RESET,
      mfaReset: e.FEATURE_MFA_RESET,
    },
    oktaSimulator: { port: e.OKTA_SIM_PORT, seed: e.OKTA_SIM_SEED },
    eventHook: {
      host: e.EVENT_HOOK_HOST,
      port: e.EVENT_HOOK_PORT,
      ...(e.EVENT_HOOK_SECRET ? { secret: e.EVENT_HOOK_SECRET } : {}),
      authHeader: e.EVENT_HOOK_AUTH_HEADER,
      url: e.EVENT_HOOK_URL ?? `http://${e.EVENT_HOOK_HOST.includes(':') ? `[${e.EVENT_HOOK_HOST}]` : e.EVENT_HOOK_HOST}:${e.EVENT_HOOK_PORT}${EVENT_HOOK_PATH}`,
      name: e.EVENT_HOOK_NAME,
      eventTypes: list(e.EVENT_HOOK_EVENT_TYPES),
    },
    selfService,
    ...(slack ? { slack } : {}),
    report: { minutesPerTicket: e.REPORT_MINUTES_PER_TICKET },
    logLevel: e.LOG_LEVEL,
    observability: resolveObservability(e),
  };
}

function resolveObservability(e: ParsedEnv): ObservabilityConfig {
  // The OTel convention: the generic endpoint gets /v1/traces appended, the traces one is used as is.
  const traces = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  return {
    health: { host: e.WORKER_HEALTH_HOST, port: e.WORKER_HEALTH_PORT },
    metrics: e.WORKER_METRICS,
    ...(traces ? { tracesEndpoint: traces } : {}),
    serviceName: e.OTEL_SERVICE_NAME,
  };
}

type ParsedEnv = z.infer<typeof envSchema>;

function resolveOkta(e: ParsedEnv, problems: string[]): AppConfig['okta'] {
  const hasOAuth = Boolean(e.OKTA_CLIENT_ID || e.OKTA_PRIVATE_KEY || e.OKTA_PRIVATE_KEY_PATH);
  if (!e.OKTA_ORG_URL) {
    if (e.OKTA_API_TOKEN || hasOAuth) problems.push('OKTA_ORG_URL: required when Okta credentials are set');
    return undefined;
  }
  if (e.OKTA_API_TOKEN && hasOAuth) {
    problems.push('OKTA_API_TOKEN: set either an API token or OAuth (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY), not both');
    return undefined;
  }
  const common = { orgUrl: e.OKTA_ORG_URL.replace(/\/+$/, ''), requestTimeoutMs: e.OKTA_REQUEST_TIMEOUT };
  if (e.OKTA_API_TOKEN) return { ...common, auth: { kind: 'ssws', token: e.OKTA_API_TOKEN } };
  if (!hasOAuth) {
    problems.push('OKTA_API_TOKEN: required with OKTA_ORG_URL unless OAuth is configured (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY)');
    return undefined;
  }
  if (!e.OKTA_CLIENT_ID) problems.push('OKTA_CLIENT_ID: required for OAuth service-app authentication');
  let privateKeyPem = e.OKTA_PRIVATE_KEY;
  if (!privateKeyPem && e.OKTA_PRIVATE_KEY_PATH) {
    try {
      privateKeyPem = readFileSync(e.OKTA_PRIVATE_KEY_PATH, 'utf8');
    } catch {
      problems.push(`OKTA_PRIVATE_KEY_PATH: cannot read ${e.OKTA_PRIVATE_KEY_PATH}`);
    }
  }
  if (!privateKeyPem) {
    if (!e.OKTA_PRIVATE_KEY_PATH) problems.push('OKTA_PRIVATE_KEY: required for OAuth (or OKTA_PRIVATE_KEY_PATH)');
    return undefined;
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKeyPem)) {
    problems.push('OKTA_PRIVATE_KEY: not a PEM private key (not shown)');
    return undefined;
  }
  const scopes = e.OKTA_SCOPES.split(/[\s,]+/).filter(Boolean);
  return {
    ...common,
    auth: {
      kind: 'oauth',
      clientId: e.OKTA_CLIENT_ID ?? '',
      privateKeyPem,
      scopes,
      dpop: e.OKTA_DPOP,
      ...(e.OKTA_KEY_ID ? { keyId: e.OKTA_KEY_ID } : {}),
    },
  };
}

function resolveNotifier(e: ParsedEnv, problems: string[]): AppConfig['notifier'] | undefined {
  if (e.NOTIFIER === 'log') return { kind: 'log' };
  if (!e.NOTIFIER_WEBHOOK_URL) problems.push('NOTIFIER_WEBHOOK_URL: required when NOTIFIER=webhook');
  if (!e.NOTIFIER_WEBHOOK_SECRET || e.NOTIFIER_WEBHOOK_SECRET.length < 16) {
    problems.push('NOTIFIER_WEBHOOK_SECRET: required when NOTIFIER=webhook, at least 16 characters');
  }
  return { kind: 'webhook', url: e.NOTIFIER_WEBHOOK_URL ?? '', secret: e.NOTIFIER_WEBHOOK_SECRET ?? '' };
}

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

/** A storm's episode starts per second: set (0 = unpaced), else the Okta rate's worth at 2 calls each. */
function stormRate(set: number | undefined, oktaRate: number): { stormStartsPerSecond?: number } {
  const rate = set ?? Math.max(0.01, Math.round(oktaRate * 0.5 * 100) / 100);
  return rate > 0 ? { stormStartsPerSecond: rate } : {};
}

function resolveSelfService(e: ParsedEnv, problems: string[]): SelfServiceConfig {
  const payloadKeys: SelfServiceConfig['payloadKeys'] = [];
  for (const entry of list(e.PAYLOAD_ENCRYPTION_KEYS ?? '')) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep).trim() : '';
    const key = Buffer.from(sep > 0 ? entry.slice(sep + 1).trim() : '', 'base64');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || key.length !== 32) {
      problems.push('PAYLOAD_ENCRYPTION_KEYS: expected "keyId:base64-of-32-bytes,..." (not shown)');
      break;
    }
    if (payloadKeys.some((k) => k.id === id)) problems.push(`PAYLOAD_ENCRYPTION_KEYS: key ID "${id}" appears twice`);
    payloadKeys.push({ id, key });
  }
  const tokens = namedTokens('HTTP_API_TOKENS', e.HTTP_API_TOKENS, /^[A-Za-z0-9_-]{1,64}$/, problems).map(({ name, token }) => ({ frontend: name, token }));
  const approverTokens = namedTokens('HTTP_API_APPROVER_TOKENS', e.HTTP_API_APPROVER_TOKENS, /^[A-Za-z0-9._@-]{1,64}$/, problems);
  const webUsers = namedTokens('WEB_USERS', e.WEB_USERS, /^[A-Za-z0-9._%+'@-]{3,254}$/, problems).map(({ name, token }) => ({ email: name.toLowerCase(), token }));
  if (approverTokens.some((a) => tokens.some((t) => t.token === a.token))) {
    problems.push('HTTP_API_APPROVER_TOKENS: an approver token must not also be a frontend token in HTTP_API_TOKENS (not shown)');
  }
  if (e.CODEC_SERVER_TOKEN !== undefined && e.CODEC_SERVER_TOKEN.length < 16) {
    problems.push('CODEC_SERVER_TOKEN: at least 16 characters (not shown)');
  }
  if (list(e.CODEC_SERVER_ALLOWED_HOSTS).some((h) => !/^[A-Za-z0-9.[\]:-]{1,255}$/.test(h))) {
    problems.push('CODEC_SERVER_ALLOWED_HOSTS: expected host names such as codec.example.com or codec.internal:8888');
  }
  const helpdeskGroup = e.HELPDESK_GROUP.trim();
  return {
    payloadKeys,
    codecServer: {
      host: e.CODEC_SERVER_HOST,
      port: e.CODEC_SERVER_PORT,
      ...(e.CODEC_SERVER_TOKEN ? { token: e.CODEC_SERVER_TOKEN } : {}),
      corsOrigins: e.CODEC_SERVER_CORS_ORIGINS
        ? list(e.CODEC_SERVER_CORS_ORIGINS)
        : [`http://localhost:${e.TEMPORAL_DEV_UI_PORT}`, `http://127.0.0.1:${e.TEMPORAL_DEV_UI_PORT}`],
      allowedHosts: list(e.CODEC_SERVER_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    },
    httpApi: {
      host: e.HTTP_API_HOST,
      port: e.HTTP_API_PORT,
      tokens,
      approverTokens,
      rateLimits: { perFrontendPerMinute: e.HTTP_API_RATE_LIMIT_PER_FRONTEND, perChatUserPerMinute: e.HTTP_API_RATE_LIMIT_PER_CHAT_USER },
      corsOrigins: list(e.HTTP_API_CORS_ORIGINS),
      webUsers,
    },
    oktaMaxAttempts: e.SELF_SERVICE_OKTA_MAX_ATTEMPTS,
    answerLingerMs: e.SELF_SERVICE_ANSWER_LINGER,
    approval: { passwordReset: e.APPROVAL_PASSWORD_RESET, mfaReset: e.APPROVAL_MFA_RESET, timeoutMs: e.APPROVAL_TIMEOUT },
    mfaChoiceTimeoutMs: e.MFA_CHOICE_TIMEOUT,
    helpdesk: { ...(helpdeskGroup ? { group: helpdeskGroup } : {}), logins: list(e.HELPDESK_LOGINS).map((l) => l.toLowerCase()) },
    protectedGroups: list(e.PROTECTED_GROUPS),
    mfaResetMode: e.MFA_RESET_MODE,
    resettableFactorTypes: list(e.MFA_RESETTABLE_FACTOR_TYPES),
    dailyLimits: { passwordReset: e.DAILY_LIMIT_PASSWORD_RESET, mfaReset: e.DAILY_LIMIT_MFA_RESET },
    ...(e.OKTA_PORTAL_URL ? { portalUrl: e.OKTA_PORTAL_URL } : {}),
  };
}

/** What a temporal.toml profile contributes: the project's variables it stands for, plus gRPC headers. */
interface TemporalProfile {
  name?: string;
  env: Env;
  grpcMeta?: Record<string, string>;
}

const MAX_GRPC_META = 32;

/**
 * Reads the Temporal client profile the way Temporal's CLI and SDKs do (`@temporalio/envconfig`):
 * TEMPORAL_CONFIG_FILE or the user's `temporalio/temporal.toml`, profile TEMPORAL_PROFILE (default
 * `default`). No file is no profile; the project's variables override it field by field.
 */
export function readTemporalProfile(env: Env, problems: string[]): TemporalProfile {
  const file = env.TEMPORAL_CONFIG_FILE?.trim();
  if (file && !existsSync(file)) {
    problems.push(`TEMPORAL_CONFIG_FILE: file not found: ${file}`);
    return { env: {} };
  }
  const name = env.TEMPORAL_PROFILE?.trim() || undefined;
  let profile: ClientConfigProfile;
  try {
    const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    profile = loadClientConfigProfile({ overrideEnvVars: defined, disableEnv: true, ...(name ? { profile: name } : {}) });
  } catch (err) {
    // Parse errors may quote the file; the file may hold an API key: name the problem only.
    const message = err instanceof Error && /not found/.test(err.message) ? err.message : 'cannot be read as a temporal.toml client config';
    problems.push(`${name ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE'}: ${message}`);
    return { env: {} };
  }
  const out: Env = {
    TEMPORAL_ADDRESS: profile.address,
    TEMPORAL_NAMESPACE: profile.namespace,
    TEMPORAL_API_KEY: profile.apiKey,
  };
  const tls = profile.tls;
  if (tls) {
    out.TEMPORAL_TLS = tls.disabled ? 'false' : 'true';
    out.TEMPORAL_TLS_SERVER_NAME = tls.serverName;
    const source = (s: typeof tls.clientCert, pathVar: string, dataVar: string) => {
      if (!s) return;
      if ('path' in s) out[pathVar] = s.path;
      else out[dataVar] = typeof s.data === 'string' ? s.data : Buffer.from(s.data).toString('utf8');
    };
    source(tls.clientCert, 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_CERT');
    source(tls.clientKey, 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_KEY');
    source(tls.serverCACert, 'TEMPORAL_TLS_CA_PATH', 'TEMPORAL_TLS_CA');
  }
  const meta = Object.entries(profile.grpcMeta ?? {});
  if (meta.length > MAX_GRPC_META || meta.some(([k, v]) => !/^[a-z0-9._-]{1,100}$/.test(k) || typeof v !== 'string' || v.length > 4096)) {
    problems.push(`TEMPORAL_PROFILE: grpc_meta must be at most ${MAX_GRPC_META} headers with lower-case names and values up to 4096 characters (not shown)`);
  }
  const contributes = Object.values(out).some((v) => v !== undefined) || meta.length > 0;
  return {
    env: Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)),
    ...(meta.length > 0 ? { grpcMeta: Object.fromEntries(meta) } : {}),
    ...(contributes ? { name: name ?? 'default' } : {}),
  };
}

function resolveSlack(e: ParsedEnv, problems: string[]): SlackConfig | undefined {
  if (!e.SLACK_SIGNING_SECRET && !e.SLACK_BOT_TOKEN) {
    if (e.SLACK_HELPDESK_CHANNEL) problems.push('SLACK_HELPDESK_CHANNEL: needs SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN');
    return undefined;
  }
  if (!e.SLACK_SIGNING_SECRET || e.SLACK_SIGNING_SECRET.length < 16) problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN, at least 16 characters (not shown)');
  if (!e.SLACK_BOT_TOKEN || !/^xoxb-[A-Za-z0-9-]{8,250}$/.test(e.SLACK_BOT_TOKEN)) problems.push('SLACK_BOT_TOKEN: required with SLACK_SIGNING_SECRET, a bot token "xoxb-..." (not shown)');
  return {
    signingSecret: e.SLACK_SIGNING_SECRET ?? '',
    botToken: e.SLACK_BOT_TOKEN ?? '',
    ...(e.SLACK_HELPDESK_CHANNEL ? { helpdeskChannel: e.SLACK_HELPDESK_CHANNEL } : {}),
    host: e.SLACK_APP_HOST,
    port: e.SLACK_APP_PORT,
  };
}

function resolveTls(e: ParsedEnv, problems: string[]): AppConfig['temporal']['tls'] {
  const hasCert = Boolean(e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CERT);
  const hasKey = Boolean(e.TEMPORAL_TLS_KEY_PATH || e.TEMPORAL_TLS_KEY);
  const anyTls = e.TEMPORAL_TLS || hasCert || hasKey || e.TEMPORAL_API_KEY;
  if (!anyTls) return undefined;
  if (hasCert !== hasKey) {
    problems.push('TEMPORAL_TLS_CERT_PATH: mTLS needs both a client certificate and a key (TEMPORAL_TLS_KEY_PATH)');
  }
  for (const name of ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH'] as const) {
    const path = e[name];
    if (path && !existsSync(path)) problems.push(`${name}: file not found: ${path}`);
  }
  return {
    ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(e.TEMPORAL_TLS_CA_PATH ? { caPath: e.TEMPORAL_TLS_CA_PATH } : {}),
    ...(e.TEMPORAL_TLS_CA ? { caPem: e.TEMPORAL_TLS_CA } : {}),
    ...(e.TEMPORAL_TLS_CERT_PATH ? { clientCertPath: e.TEMPORAL_TLS_CERT_PATH } : {}),
    ...(e.TEMPORAL_TLS_CERT ? { clientCertPem: e.TEMPORAL_TLS_CERT } : {}),
    ...(e.TEMPORAL_TLS_KEY_PATH ? { clientKeyPath: e.TEMPORAL_TLS_KEY_PATH } : {}),
    ...(e.TEMPORAL_TLS_KEY ? { clientKeyPem: e.TEMPORAL_TLS_KEY } : {}),
  };
}

/** Parses "name:token,..." (tokens of at least 16 characters); problems never quote a token. */
function namedTokens(variable: string, raw: string | undefined, namePattern: RegExp, problems: string[]): { name: string; token: string }[] {
  const out: { name: string; token: string }[] = [];
  for (const entry of list(raw ?? '')) {
    const sep = entry.indexOf(':');
    const name = sep > 0 ? entry.slice(0, sep).trim() : '';
    const token = sep > 0 ? entry.slice(sep + 1).trim() : '';
    if (!namePattern.test(name) || token.length < 16) {
      problems.push(`${variable}: expected "name:token,..." with tokens of at least 16 characters (not shown)`);
      return [];
    }
    out.push({ name, token });
  }
  return out;
}

/**
 * Each queue has its own worker: two names for one queue would hand one worker tasks it has no code
 * for (or unpaced Okta calls). The workflows accept names of at most 200 characters.
 */
function checkTaskQueues(queues: Record<string, string>, problems: string[]): void {
  const seen = new Map<string, string>();
  for (const [name, queue] of Object.entries(queues)) {
    if (queue.length > 200) problems.push(`${name}: at most 200 characters${name === 'TEMPORAL_POLLER_TASK_QUEUE' ? ' (TEMPORAL_TASK_QUEUE + "-poller" when unset)' : ''}`);
    const other = seen.get(queue);
    if (other) problems.push(`${name}: names the same task queue as ${other}; every queue needs a name of its own`);
    seen.set(queue, name);
  }
}

/** A printable summary for start-up logs: every secret replaced by its presence. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    temporal: {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      oktaTaskQueue: config.temporal.oktaTaskQueue,
      oktaLogTaskQueue: config.temporal.oktaLogTaskQueue,
      pollerTaskQueue: config.temporal.pollerTaskQueue,
      tls: config.temporal.tls ? 'on' : 'off',
      apiKey: config.temporal.apiKey ? '(set)' : '(none)',
      profile: config.temporal.profile ?? '(none)',
      grpcMeta: Object.keys(config.temporal.grpcMeta ?? {}),
    },
    okta: config.okta
      ? {
          orgUrl: config.okta.orgUrl,
          auth: config.okta.auth.kind,
          ...(config.okta.auth.kind === 'oauth' ? { dpop: config.okta.auth.dpop } : {}),
          timeoutMs: config.okta.requestTimeoutMs,
        }
      : '(not configured: Okta simulator)',
    oktaMaxRequestsPerSecond: config.oktaMaxRequestsPerSecond,
    oktaLogMaxRequestsPerSecond: config.oktaLogMaxRequestsPerSecond,
    lockout: config.lockout,
    protectedMembersCacheTtlMs: config.protectedMembersCacheTtlMs,
    // Webhook URLs often carry a token in their path (Slack's do): print the origin only.
    notifier: config.notifier.kind === 'webhook' ? { kind: 'webhook', origin: new URL(config.notifier.url).origin } : config.notifier,
    features: config.features,
    eventHook: { ...config.eventHook, secret: config.eventHook.secret ? '(set)' : '(none)' },
    selfService: {
      payloadKeys: config.selfService.payloadKeys.map((k) => k.id),
      codecServer: { ...config.selfService.codecServer, token: config.selfService.codecServer.token ? '(set)' : '(none)' },
      httpApi: { host: config.selfService.httpApi.host, port: config.selfService.httpApi.port, frontends: config.selfService.httpApi.tokens.map((t) => t.frontend), approvers: config.selfService.httpApi.approverTokens.map((t) => t.name), rateLimits: config.selfService.httpApi.rateLimits, corsOrigins: config.selfService.httpApi.corsOrigins, webUsers: config.selfService.httpApi.webUsers.map((u) => u.email) },
      oktaMaxAttempts: config.selfService.oktaMaxAttempts,
      answerLingerMs: config.selfService.answerLingerMs,
      approval: config.selfService.approval,
      helpdesk: config.selfService.helpdesk,
      protectedGroups: config.selfService.protectedGroups,
      mfaResetMode: config.selfService.mfaResetMode,
      resettableFactorTypes: config.selfService.resettableFactorTypes,
      dailyLimits: config.selfService.dailyLimits,
      portalUrl: config.selfService.portalUrl ?? '(org URL)/enduser/settings',
    },
    slack: config.slack
      ? { helpdeskChannel: config.slack.helpdeskChannel ?? '(none)', host: config.slack.host, port: config.slack.port, signingSecret: '(set)', botToken: '(set)' }
      : '(not configured)',
    report: config.report,
    observability: {
      ...config.observability,
      // A collector URL may carry credentials or a token in its query: print the origin only.
      tracesEndpoint: config.observability.tracesEndpoint ? new URL(config.observability.tracesEndpoint).origin : '(off)',
    },
  };
}

/** For entry points: load the config, or print the problems (never secrets) and exit with status 2. */
export function loadConfigOrExit(env: Env = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
