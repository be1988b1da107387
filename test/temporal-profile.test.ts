/**
 * Temporal connection settings from a temporal.toml profile (`@temporalio/envconfig`, as Temporal's
 * CLI reads them), with the project's environment variables overriding them field by field. The
 * connection tests reach the suite's real Temporal server through a profile.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectTemporalClient, temporalConnectionSettings } from '../client/temporal-connection.js';
import { ConfigError, describeConfig, loadConfig } from '../temporal.config.js';
import { testTemporal, type TestTemporal } from './helpers/temporal.js';

const KEY = `k1:${Buffer.alloc(32, 3).toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'temporal-profile-'));
const toml = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const load = (env: Record<string, string>) => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: KEY, ...env }, { dotEnvPath: false });
const problems = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('config was accepted');
};

describe('temporal.toml profiles', () => {
  let temporal: TestTemporal;
  let file: string;
  before(async () => {
    temporal = await testTemporal();
    file = toml(
      'temporal.toml',
      `[profile.default]
address = "${temporal.address}"
namespace = "${temporal.namespace}"

[profile.cloud]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
api_key = "profile-api-key-secret"
[profile.cloud.tls]
server_name = "acme.a1b2c.tmprl.cloud"
server_ca_cert_data = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"
[profile.cloud.grpc_meta]
x-team = "identity"

[profile.unreachable]
address = "127.0.0.1:1"
namespace = "${temporal.namespace}"
`,
    );
  });
  after(() => temporal?.close());

  it('connects to the real server through the default profile of TEMPORAL_CONFIG_FILE', async () => {
    const config = load({ TEMPORAL_CONFIG_FILE: file });
    assert.equal(config.temporal.address, temporal.address);
    assert.equal(config.temporal.profile, 'default');
    const client = await connectTemporalClient(config);
    try {
      const ns = await client.workflowService.describeNamespace({ namespace: config.temporal.namespace });
      assert.equal(ns.namespaceInfo?.name, temporal.namespace);
    } finally {
      await client.connection.close();
    }
  });

  it('the environment overrides the profile field by field', async () => {
    const config = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'unreachable', TEMPORAL_ADDRESS: temporal.address });
    assert.equal(config.temporal.address, temporal.address, 'TEMPORAL_ADDRESS wins');
    assert.equal(config.temporal.namespace, temporal.namespace, 'the namespace still comes from the profile');
    const client = await connectTemporalClient(config);
    await client.workflowService.getSystemInfo({});
    await client.connection.close();
    const cloud = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other', TEMPORAL_API_KEY: 'env-api-key' });
    assert.equal(cloud.temporal.namespace, 'other');
    assert.equal(cloud.temporal.apiKey, 'env-api-key');
  });

  it('takes API key, TLS data and gRPC headers from a profile; never prints the key', () => {
    const config = load({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(config.temporal.address, 'acme.a1b2c.tmprl.cloud:7233');
    assert.equal(config.temporal.namespace, 'acme.a1b2c');
    const settings = temporalConnectionSettings(config);
    assert.equal(settings.apiKey, 'profile-api-key-secret');
    assert.deepEqual(settings.metadata, { 'x-team': 'identity' });
    assert.ok(settings.tls && typeof settings.tls === 'object');
    assert.equal(settings.tls.serverNameOverride, 'acme.a1b2c.tmprl.cloud');
    assert.match(String(settings.tls.serverRootCACertificate), /BEGIN CERTIFICATE/);
    const printed = JSON.stringify(describeConfig(config));
    assert.doesNotMatch(printed, /profile-api-key-secret|identity/);
    assert.match(printed, /"profile":"cloud"/);
  });

  it('finds temporal.toml where Temporal\'s CLI does (XDG_CONFIG_HOME/temporalio)', () => {
    const home = mkdtempSync(join(tmpdir(), 'xdg-'));
    mkdirSync(join(home, 'temporalio'));
    writeFileSync(join(home, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "10.0.0.9:7233"\n');
    assert.equal(load({ XDG_CONFIG_HOME: home }).temporal.address, '10.0.0.9:7233');
    // No file anywhere: the built-in defaults, no profile.
    const none = load({ XDG_CONFIG_HOME: dir + '/nothing-here' });
    assert.equal(none.temporal.address, '127.0.0.1:7233');
    assert.equal(none.temporal.profile, undefined);
  });

  it('a missing file, a missing profile, bad TOML or oversized headers are config errors that quote nothing secret', () => {
    assert.match(problems({ TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') }), /TEMPORAL_CONFIG_FILE: file not found/);
    assert.match(problems({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }), /TEMPORAL_PROFILE: Profile 'staging' not found/);
    const bad = toml('bad.toml', '[profile.default]\napi_key = "leaky-secret-value\n');
    const message = problems({ TEMPORAL_CONFIG_FILE: bad });
    assert.match(message, /TEMPORAL_CONFIG_FILE: cannot be read/);
    assert.doesNotMatch(message, /leaky-secret-value/);
    const many = Array.from({ length: 40 }, (_, i) => `h${i} = "v"`).join('\n');
    assert.match(problems({ TEMPORAL_CONFIG_FILE: toml('meta.toml', `[profile.default.grpc_meta]\n${many}\n`) }), /grpc_meta must be at most 32/);
  });
});
