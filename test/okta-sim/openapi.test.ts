/**
 * Fidelity check: every shape the simulator returns for the endpoints this project uses validates against
 * Okta's own OpenAPI description (../shared/okta/management-openapi.yaml), read at test time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { startOktaSimulator, type OktaSimulator } from '../../okta-sim/index.js';
import { sharedOktaDir } from '../../okta-sim/shared.js';
import { eventually } from '../helpers/eventually.js';
import { fakeHookEndpoint } from './fake-hook-endpoint.js';
import { okta } from './helpers.js';

const specPath = path.join(sharedOktaDir(), 'management-openapi.yaml');
// A missing reference is a failure, not a skip: the fidelity check would silently stop guarding anything.
const missing = existsSync(specPath) ? undefined : `Okta OpenAPI description not found at ${specPath} (set OKTA_SHARED_DIR to the shared/okta folder)`;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** OpenAPI 3.0 `nullable: true` → JSON Schema null; local refs point into the one registered document. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Obj = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\//, 'okta#/') : toJsonSchema(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

// Where real Okta (and therefore the simulator) departs from its own description. Kept explicit and short.
const KNOWN_SPEC_GAPS = [
  'LogEvent.target: real user.account.lock / user.session.start events carry "target": null (shared/okta/README.md); the spec says array only',
];

let spec: Obj;
let ajv: Ajv;
let sim: OktaSimulator;
const compiled = new Map<string, ValidateFunction>();

function schemaValidator(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(toJsonSchema(schema) as object);
    compiled.set(key, v);
  }
  return v;
}

function componentValidator(name: string): ValidateFunction {
  return schemaValidator({ $ref: `#/components/schemas/${name}` });
}

/** The 2xx response schema Okta documents for one operation. */
function operationSchema(p: string, method: string, status: string): Json {
  const paths = spec.paths as Obj;
  const op = ((paths[p] as Obj)[method] as Obj);
  const resp = (op.responses as Obj)[status] as Obj;
  return ((resp.content as Obj)['application/json'] as Obj).schema as Json;
}

function assertValid(v: ValidateFunction, data: unknown, what: string): void {
  const ok = v(data);
  assert.ok(ok, `${what} does not match Okta's OpenAPI: ${JSON.stringify(v.errors?.slice(0, 5), null, 1)}`);
}

before(async () => {
  assert.equal(missing, undefined, missing);
  spec = parse(readFileSync(specPath, 'utf8')) as Obj;
  const schemas = (spec.components as Obj).schemas as Obj;
  const logEvent = schemas.LogEvent as Obj;
  ((logEvent.properties as Obj).target as Obj).nullable = true; // KNOWN_SPEC_GAPS[0]
  ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema({ $id: 'okta', components: { schemas: toJsonSchema(schemas) } } as object);
  sim = await startOktaSimulator({ seed: 'openapi', users: 30, events: 300, quiet: true });
  await sim.control.createUser({
    login: 'variety@example.com', firstName: 'Vera', lastName: 'Riety',
    factors: [{ factorType: 'call' }, { factorType: 'u2f' }, { factorType: 'token:hardware' }, { factorType: 'sms' }, { factorType: 'question' }],
  });
  await sim.control.lockUser('variety@example.com', { via: 'failed-signins' });
  await sim.control.lockUser('alice@example.com', { via: 'session-start', attempts: 2 });
});
after(async () => {
  if (sim) await sim.close();
});

test('known spec gaps are listed', () => {
  console.log(`OpenAPI known gaps:\n- ${KNOWN_SPEC_GAPS.join('\n- ')}`);
});

test('GET /api/v1/logs: LogEvent[]', async () => {
  const v = schemaValidator(operationSchema('/api/v1/logs', 'get', '200'));
  const r = await okta(sim, '/api/v1/logs?limit=1000');
  assert.equal(r.status, 200);
  assert.ok((r.body as unknown[]).length > 300);
  assertValid(v, r.body, 'log page');
  const types = new Set((r.body as { eventType: string }[]).map((e) => e.eventType));
  for (const t of ['user.session.start', 'user.account.lock']) assert.ok(types.has(t), t);
});

test('users: GET by id, list, search; lifecycle and factor responses; groups', async () => {
  const user = await okta(sim, '/api/v1/users/variety@example.com');
  assertValid(schemaValidator(operationSchema('/api/v1/users/{id}', 'get', '200')), user.body, 'User');
  const list = await okta(sim, '/api/v1/users?limit=200');
  assertValid(schemaValidator(operationSchema('/api/v1/users', 'get', '200')), list.body, 'User[]');
  const statuses = new Set((list.body as { status: string }[]).map((u) => u.status));
  assert.ok(statuses.size >= 3, `variety of statuses: ${[...statuses].join(',')}`);

  const groups = await okta(sim, '/api/v1/users/dave@example.com/groups');
  assertValid(schemaValidator(operationSchema('/api/v1/users/{id}/groups', 'get', '200')), groups.body, 'Group[]');

  const reset = await okta(sim, '/api/v1/users/carol@example.com/lifecycle/reset_password?sendEmail=false', { method: 'POST' });
  assertValid(schemaValidator(operationSchema('/api/v1/users/{id}/lifecycle/reset_password', 'post', '200')), reset.body, 'ResetPasswordToken');
  const unlock = await okta(sim, '/api/v1/users/variety@example.com/lifecycle/unlock', { method: 'POST' });
  assert.equal(unlock.status, 200);
});

test('groups: list by name query, members paged by Link headers, in the groups rate-limit bucket', async () => {
  const listV = schemaValidator(operationSchema('/api/v1/groups', 'get', '200'));
  const byName = await okta<{ id: string; profile: { name: string } }[]>(sim, '/api/v1/groups?q=okta%20adm');
  assertValid(listV, byName.body, 'Group[]');
  assert.deepEqual(byName.body.map((g) => g.profile.name), ['Okta Admins'], 'q: name prefix, any case');
  const everyone = (await okta<{ id: string; profile: { name: string } }[]>(sim, '/api/v1/groups?q=Everyone')).body[0]!;
  const membersV = schemaValidator(operationSchema('/api/v1/groups/{groupId}/users', 'get', '200'));
  const ids: string[] = [];
  let next: string | undefined = `/api/v1/groups/${everyone.id}/users?limit=10`;
  let pages = 0;
  while (next) {
    const page: Awaited<ReturnType<typeof okta<{ id: string }[]>>> = await okta<{ id: string }[]>(sim, next);
    assert.equal(page.status, 200);
    assertValid(membersV, page.body, 'User[]');
    ids.push(...page.body.map((u) => u.id));
    const link = /<([^>]+)>; rel="next"/.exec(String(page.headers.get('link') ?? ''))?.[1];
    next = link ? new URL(link).pathname + new URL(link).search : undefined;
    pages += 1;
  }
  assert.equal(new Set(ids).size, ids.length);
  const users = await okta<unknown[]>(sim, '/api/v1/users?limit=200');
  assert.equal(ids.length, users.body.length, 'every user is in Everyone');
  assert.equal(pages, Math.ceil(ids.length / 10));
  assert.equal((await okta(sim, '/api/v1/groups/00gNoSuchGroup000000/users')).status, 404);

  await sim.control.setRateLimits({ groups: { limit: 1, windowMs: 60_000 }, tokenShare: 1 });
  try {
    assert.equal((await okta(sim, '/api/v1/groups?q=Okta')).status, 200);
    const limited = await okta(sim, `/api/v1/groups/${everyone.id}/users`);
    assert.equal(limited.status, 429, 'the name query and the member list share one bucket');
    assert.equal((await okta(sim, '/api/v1/users/alice@example.com')).status, 200, 'a bucket of its own');
  } finally {
    await sim.control.setRateLimits({ groups: { limit: 600, windowMs: 60_000 }, tokenShare: 0.5 });
  }
});

test('factors: each UserFactor validates against its discriminator mapping', async () => {
  const listSchema = operationSchema('/api/v1/users/{userId}/factors', 'get', '200') as Obj;
  const oneOf = ((listSchema.items as Obj).oneOf as Obj[]).map((s) => s.$ref);
  const mapping = (((((spec.components as Obj).schemas as Obj).UserFactor as Obj).discriminator as Obj).mapping) as Record<string, string>;
  const seen = new Set<string>();
  for (const login of ['variety@example.com', 'alice@example.com', 'carol@example.com', 'dave@example.com', 'grace@example.com']) {
    const r = await okta<{ factorType: string }[]>(sim, `/api/v1/users/${login}/factors`);
    assert.equal(r.status, 200);
    for (const f of r.body) {
      const ref = mapping[f.factorType];
      assert.ok(ref, `no discriminator mapping for ${f.factorType}`);
      assert.ok(oneOf.includes(ref), `${ref} is one of the documented response types`);
      assertValid(schemaValidator({ $ref: ref }), f, `factor ${f.factorType}`);
      seen.add(f.factorType);
    }
  }
  assert.deepEqual([...seen].sort(), ['call', 'email', 'push', 'question', 'sms', 'token:hardware', 'token:software:totp', 'u2f', 'webauthn']);
});

test('errors: 400, 401, 403, 404, 405, 429 bodies are Okta Error objects', async () => {
  const v = componentValidator('Error');
  await sim.control.setRateLimits({ userGet: { limit: 1, windowMs: 60_000 }, tokenShare: 1 });
  const calls = [
    okta(sim, '/api/v1/logs?filter=published%20gt%20%22x%22'),
    okta(sim, '/api/v1/logs', { auth: 'SSWS nope' }),
    okta(sim, '/api/v1/users/alice@example.com/lifecycle/unlock', { method: 'POST' }).then(() => okta(sim, '/api/v1/users/dave@example.com/lifecycle/unlock', { method: 'POST' })),
    okta(sim, '/api/v1/users/nobody@example.com'),
    okta(sim, '/api/v1/users/x/lifecycle/unlock'),
  ];
  const results = await Promise.all(calls);
  await okta(sim, '/api/v1/users/alice@example.com');
  results.push(await okta(sim, '/api/v1/users/alice@example.com'));
  assert.deepEqual(results.map((r) => r.status).sort(), [400, 401, 403, 404, 405, 429]);
  for (const r of results) assertValid(v, r.body, `error ${r.status}`);
});

test('event hooks: create, list, get, verify, deactivate, activate, replace return EventHook; delivered events are LogEvents', async () => {
  const ep = await fakeHookEndpoint();
  try {
    const json = { 'Content-Type': 'application/json' };
    const body = JSON.stringify({
      name: 'fidelity', description: 'fidelity check',
      events: { type: 'EVENT_TYPE', items: ['user.account.lock', 'user.session.start'] },
      channel: { type: 'HTTP', version: '1.0.0', config: { uri: ep.url, headers: [], authScheme: { type: 'HEADER', key: 'Authorization', value: 'fidelity-secret' } } },
    });
    const created = await okta<{ id: string }>(sim, '/api/v1/eventHooks', { method: 'POST', body, headers: json });
    assertValid(schemaValidator(operationSchema('/api/v1/eventHooks', 'post', '200')), created.body, 'created EventHook');
    const base = `/api/v1/eventHooks/${created.body.id}`;
    const calls: [string, string, string, string?][] = [
      ['/api/v1/eventHooks', 'get', '/api/v1/eventHooks'],
      ['/api/v1/eventHooks/{eventHookId}', 'get', base],
      ['/api/v1/eventHooks/{eventHookId}/lifecycle/verify', 'post', `${base}/lifecycle/verify`],
      ['/api/v1/eventHooks/{eventHookId}/lifecycle/deactivate', 'post', `${base}/lifecycle/deactivate`],
      ['/api/v1/eventHooks/{eventHookId}/lifecycle/activate', 'post', `${base}/lifecycle/activate`],
      ['/api/v1/eventHooks/{eventHookId}', 'put', base, body],
    ];
    for (const [p, method, url, reqBody] of calls) {
      const r = await okta(sim, url, { method: method.toUpperCase(), ...(reqBody ? { body: reqBody, headers: json } : {}) });
      assert.equal(r.status, 200, `${method} ${url}: ${JSON.stringify(r.body)}`);
      assertValid(schemaValidator(operationSchema(p, method, '200')), r.body, `${method} ${p}`);
    }
    const hookV = schemaValidator(operationSchema('/api/v1/eventHooks/{eventHookId}', 'get', '200'));
    assert.equal(hookV({ ...created.body, verificationStatus: 'MAYBE' }), false, 'the check can fail');
    assert.equal(hookV({ ...created.body, channel: { type: 'SMTP', version: '1.0.0', config: {} } }), false, 'the check can fail');
    await okta(sim, `${base}/lifecycle/verify`, { method: 'POST' });
    await sim.control.lockUser('bob@example.com', { via: 'session-start', attempts: 1 });
    const delivered = (await eventually('a delivery', async () => ep.posts()[0])).body as { data: { events: unknown[] } };
    assertValid(schemaValidator({ type: 'array', items: { $ref: '#/components/schemas/LogEvent' } }), delivered.data.events, 'delivered events');
  } finally {
    await ep.close();
  }
});

test('the check can fail: wrong shapes are rejected', async () => {
  const logV = schemaValidator(operationSchema('/api/v1/logs', 'get', '200'));
  const r = await okta<Record<string, unknown>[]>(sim, '/api/v1/logs?limit=1');
  const good = r.body[0] as Record<string, unknown>;
  assert.equal(logV([{ ...good, severity: 'LOUD' }]), false);
  assert.equal(logV([{ ...good, outcome: { result: 'MAYBE' } }]), false);
  assert.equal(logV([{ ...good, published: 'yesterday' }]), false);
  const userV = schemaValidator(operationSchema('/api/v1/users/{id}', 'get', '200'));
  const u = (await okta<Record<string, unknown>>(sim, '/api/v1/users/alice@example.com')).body;
  assert.equal(userV({ ...u, status: 'LOCKED' }), false);
  assert.equal(userV({ ...u, profile: { login: 'abc' } }), false, 'login shorter than 5');
  const smsV = schemaValidator({ $ref: '#/components/schemas/UserFactorSMS' });
  const sms = (await okta<Record<string, unknown>[]>(sim, '/api/v1/users/variety@example.com/factors')).body.find((f) => f.factorType === 'sms');
  assert.ok(sms && smsV(sms));
  assert.equal(smsV({ ...sms, provider: 'GOOGLE' }), false);
  assert.equal(smsV({ ...sms, profile: { phoneNumber: '555-1234' } }), false);
});
