/**
 * A System Log event reduced to what the lockout workflows read, with every string bounded.
 *
 * Both ways events enter the product — the poller's page activity and the event-hook receiver —
 * project raw Okta JSON through `projectLogEvent` before anything reaches Temporal, so hostile or
 * odd log content (megabytes of `debugData`, 1,200-character ids, control characters) can neither
 * exceed a payload limit nor reach a workflow ID. Pure and dependency-free apart from zod: it runs
 * in activities, in the HTTP receiver and inside workflows (which validate again on receipt).
 */
import { z } from 'zod';
import { builtOnce } from '../built-once.js';

/** Upper bounds, in characters, of every string a projected event may carry. */
export const LOG_EVENT_BOUNDS = {
  uuid: 64,
  eventType: 128,
  published: 40,
  reason: 128,
  id: 64,
  type: 64,
  alternateId: 320,
  ip: 64,
  place: 128,
  riskLevel: 32,
  behaviors: 512,
  targets: 5,
} as const;

const B = LOG_EVENT_BOUNDS;

/** Okta user IDs: 20 characters, `00u` then 17 letters or digits. Anything else never names a workflow. */
export const OKTA_USER_ID = /^00u[A-Za-z0-9]{17}$/;

const LogEntitySchema = builtOnce('lockout/log-event:LogEntitySchema', () => z.object({
  id: z.string().max(B.id).optional(),
  type: z.string().max(B.type).optional(),
  alternateId: z.string().max(B.alternateId).optional(),
}));

export const ProjectedLogEventSchema = builtOnce('lockout/log-event:ProjectedLogEventSchema', () => z.object({
  uuid: z.string().min(1).max(B.uuid),
  eventType: z.string().min(1).max(B.eventType),
  published: z.string().max(B.published),
  outcomeReason: z.string().max(B.reason).optional(),
  actor: LogEntitySchema.optional(),
  targets: z.array(LogEntitySchema).max(B.targets).optional(),
  client: z
    .object({
      ip: z.string().max(B.ip).optional(),
      city: z.string().max(B.place).optional(),
      state: z.string().max(B.place).optional(),
      country: z.string().max(B.place).optional(),
    })
    .optional(),
  /** Okta's risk signals; absent means "unknown", never "safe". */
  risk: z
    .object({
      threatSuspected: z.boolean().optional(),
      level: z.string().max(B.riskLevel).optional(),
      behaviors: z.string().max(B.behaviors).optional(),
      isProxy: z.boolean().optional(),
    })
    .optional(),
}));
export type ProjectedLogEvent = z.infer<typeof ProjectedLogEventSchema>;

export type Projection = { ok: true; event: ProjectedLogEvent } | { ok: false; uuid?: string; problem: string };

/** Strips control characters (they must never reach IDs, search attributes or logs) and bounds the length. */
export function clip(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

const obj = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

function entity(value: unknown): z.infer<typeof LogEntitySchema> | undefined {
  const o = obj(value);
  if (!o) return undefined;
  const id = clip(o.id, Infinity);
  const out: z.infer<typeof LogEntitySchema> = {};
  // An over-long id is not cut to a plausible-looking one: it is dropped, so the event names no user.
  if (id !== undefined && id.length <= B.id) out.id = id;
  const type = clip(o.type, B.type);
  if (type !== undefined) out.type = type;
  const alternateId = clip(o.alternateId, B.alternateId);
  if (alternateId !== undefined) out.alternateId = alternateId;
  return out;
}

/** Okta writes booleans in debugData as strings ("true"/"false"). */
function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === 'TRUE') return true;
  if (value === false || value === 'false' || value === 'FALSE') return false;
  return undefined;
}

/** Projects one raw System Log event (as Okta sends it) to the bounded shape, or says why it cannot. */
export function projectLogEvent(raw: unknown): Projection {
  const e = obj(raw);
  if (!e) return { ok: false, problem: 'not an object' };
  const uuid = clip(e.uuid, Infinity);
  if (!uuid || uuid.length > B.uuid) return { ok: false, ...(uuid ? { uuid: uuid.slice(0, B.uuid) } : {}), problem: 'missing or over-long uuid' };
  const eventType = clip(e.eventType, B.eventType);
  if (!eventType) return { ok: false, uuid, problem: 'missing eventType' };
  const published = clip(e.published, B.published) ?? '';

  const event: ProjectedLogEvent = { uuid, eventType, published };
  const reason = clip(obj(e.outcome)?.reason, B.reason);
  if (reason) event.outcomeReason = reason;
  const actor = entity(e.actor);
  if (actor) event.actor = actor;
  if (Array.isArray(e.target)) {
    const targets = e.target.slice(0, B.targets).map(entity).filter((t): t is NonNullable<typeof t> => t !== undefined);
    if (targets.length > 0) event.targets = targets;
  }
  const client = obj(e.client);
  if (client) {
    const geo = obj(client.geographicalContext);
    const c: NonNullable<ProjectedLogEvent['client']> = {};
    const ip = clip(client.ipAddress, B.ip);
    if (ip) c.ip = ip;
    const city = clip(geo?.city, B.place);
    if (city) c.city = city;
    const state = clip(geo?.state, B.place);
    if (state) c.state = state;
    const country = clip(geo?.country, B.place);
    if (country) c.country = country;
    if (Object.keys(c).length > 0) event.client = c;
  }
  const debugData = obj(obj(e.debugContext)?.debugData);
  const security = obj(e.securityContext);
  const risk: NonNullable<ProjectedLogEvent['risk']> = {};
  const threat = flag(debugData?.threatSuspected);
  if (threat !== undefined) risk.threatSuspected = threat;
  const level = clip(typeof debugData?.risk === 'string' ? /level=([A-Za-z]+)/.exec(debugData.risk)?.[1] : obj(debugData?.risk)?.level, B.riskLevel);
  if (level) risk.level = level.toUpperCase();
  const behaviors = clip(debugData?.behaviors, B.behaviors);
  if (behaviors) risk.behaviors = behaviors;
  const isProxy = flag(security?.isProxy);
  if (isProxy !== undefined) risk.isProxy = isProxy;
  if (Object.keys(risk).length > 0) event.risk = risk;
  return { ok: true, event };
}

/** Approximate JSON size of a projected event, for byte-bounding a page. */
export function projectedSize(event: ProjectedLogEvent): number {
  return JSON.stringify(event).length;
}

/** The product's System Log filter, as a predicate: what the poller asks Okta for, and what a push may carry. */
export function isLockoutEvent(event: Pick<ProjectedLogEvent, 'eventType' | 'outcomeReason'>): boolean {
  return event.eventType === 'user.account.lock' || (event.eventType === 'user.session.start' && event.outcomeReason === 'LOCKED_OUT');
}
