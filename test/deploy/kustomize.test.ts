/**
 * The Kubernetes manifests (deploy/k8s) rendered by kustomize, and the Dockerfile, checked for what
 * matters in production: the built image everywhere, probes on every container at the ports the
 * processes listen on, non-root, every credential by Secret reference, a PodDisruptionBudget, a
 * termination grace period that covers the SDK's shutdown grace time, and a config each process
 * accepts. Needs `kubectl` (or `kustomize`) on PATH or `.tools/bin/kustomize`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, parseDurationMs, SECRET_VARIABLES } from '../../temporal.config.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered Kubernetes objects are checked field by field */
type K8s = any;

function onPath(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function render(): string {
  if (onPath('kubectl')) return execFileSync('kubectl', ['kustomize', 'deploy/k8s'], { encoding: 'utf8' });
  const kustomize = existsSync('.tools/bin/kustomize') ? '.tools/bin/kustomize' : onPath('kustomize') ? 'kustomize' : undefined;
  if (kustomize) return execFileSync(kustomize, ['build', 'deploy/k8s'], { encoding: 'utf8' });
  throw new Error(
    'Cannot render deploy/k8s: neither kubectl nor kustomize is installed. Install kubectl, or ' +
      '`GOBIN=$PWD/.tools/bin go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0` (.ci/run does this when both are missing).',
  );
}

const CONTRACT: Record<string, { port: number; live: string; ready: string }> = {
  worker: { port: 9464, live: '/livez', ready: '/readyz' },
  'http-api': { port: 8090, live: '/livez', ready: '/readyz' },
  'codec-server': { port: 8888, live: '/livez', ready: '/livez' },
};
/** Secrets each process cannot start without. */
const REQUIRED_SECRETS: Record<string, string[]> = {
  worker: ['PAYLOAD_ENCRYPTION_KEYS'],
  'http-api': ['PAYLOAD_ENCRYPTION_KEYS', 'HTTP_API_TOKENS'],
  'codec-server': ['PAYLOAD_ENCRYPTION_KEYS', 'CODEC_SERVER_TOKEN'],
};
/** Stand-ins a Secret would hold, to see that each process accepts the config it is given. */
const PLACEHOLDER: Record<string, string> = {
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  HTTP_API_TOKENS: 'chat:0123456789abcdef0123',
  CODEC_SERVER_TOKEN: '0123456789abcdef-codec',
  OKTA_API_TOKEN: 'placeholder-okta-token',
};

describe('deployment: kustomize manifests and Dockerfile', () => {
  let objects: K8s[];
  let deployments: Map<string, K8s>;
  /** ConfigMaps by name without kustomize's hash suffix. */
  let configMaps: Map<string, Record<string, string>>;
  /** The settings a container's envFrom ConfigMaps give it. */
  const configOf = (c: K8s): Record<string, string> =>
    Object.assign({}, ...(c.envFrom ?? []).filter((f: K8s) => f.configMapRef).map((f: K8s) => configMaps.get(f.configMapRef.name.replace(/-[a-z0-9]{10}$/, ''))));
  const containers = () => [...deployments.values()].flatMap((d) => d.spec.template.spec.containers.map((c: K8s) => ({ d, c })));

  before(() => {
    objects = parseAllDocuments(render()).map((doc) => doc.toJS());
    deployments = new Map(objects.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o]));
    configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name.replace(/-[a-z0-9]{10}$/, ''), o.data]));
  });

  it('deploys the worker, the HTTP API and the codec server from the built image, with Services', () => {
    assert.deepEqual([...deployments.keys()].sort(), ['codec-server', 'http-api', 'worker']);
    const { images } = parse(readFileSync('deploy/k8s/kustomization.yaml', 'utf8'));
    const image = `${images[0].newName}:${images[0].newTag}`;
    for (const { d, c } of containers()) assert.equal(c.image, image, `${d.metadata.name}/${c.name}`);
    const services = objects.filter((o) => o.kind === 'Service').map((s) => s.spec.selector['app.kubernetes.io/name']);
    assert.deepEqual(services.sort(), ['codec-server', 'http-api']);
  });

  it('every container has liveness and readiness probes on the port its process serves them', () => {
    for (const { d, c } of containers()) {
      const contract = CONTRACT[d.metadata.name]!;
      const port = (probe: K8s) => {
        const p = probe?.httpGet?.port;
        return typeof p === 'number' ? p : c.ports?.find((x: K8s) => x.name === p)?.containerPort;
      };
      for (const [kind, path] of [['livenessProbe', contract.live], ['readinessProbe', contract.ready]] as const) {
        assert.equal(c[kind]?.httpGet?.path, path, `${d.metadata.name}: ${kind} path`);
        assert.equal(port(c[kind]), contract.port, `${d.metadata.name}: ${kind} port`);
      }
    }
    // The processes listen where the probes look (ports from their ConfigMaps).
    const portVariable: Record<string, string> = { worker: 'WORKER_HEALTH_PORT', 'http-api': 'HTTP_API_PORT', 'codec-server': 'CODEC_SERVER_PORT' };
    for (const { d, c } of containers()) {
      const name = d.metadata.name as string;
      assert.equal(configOf(c)[portVariable[name]!], String(CONTRACT[name]!.port), `${name}: ${portVariable[name]}`);
    }
  });

  it('runs as non-root without privilege escalation, and sets requests and limits', () => {
    for (const { d, c } of containers()) {
      const pod = d.spec.template.spec.securityContext ?? {};
      const own = c.securityContext ?? {};
      assert.equal(own.runAsNonRoot ?? pod.runAsNonRoot, true, `${d.metadata.name}: runAsNonRoot`);
      assert.notEqual(own.runAsUser ?? pod.runAsUser, 0, `${d.metadata.name}: not uid 0`);
      assert.equal(own.allowPrivilegeEscalation, false, `${d.metadata.name}: allowPrivilegeEscalation`);
      for (const r of ['cpu', 'memory']) {
        assert.ok(c.resources?.requests?.[r] && c.resources?.limits?.[r], `${d.metadata.name}: ${r} request and limit`);
      }
    }
  });

  it('references every secret, inlines none, and gives each process the secrets it needs', () => {
    assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0, 'no Secret objects rendered');
    for (const [name, data] of configMaps) {
      for (const key of Object.keys(data)) assert.ok(!SECRET_VARIABLES.has(key), `${key} must not be in ConfigMap ${name}`);
    }
    for (const { d, c } of containers()) {
      for (const from of c.envFrom ?? []) assert.ok(from.configMapRef || from.secretRef, JSON.stringify(from));
      for (const e of c.env ?? []) {
        if (SECRET_VARIABLES.has(e.name)) {
          assert.equal(e.value, undefined, `${d.metadata.name}: ${e.name} inlined`);
          assert.ok(e.valueFrom?.secretKeyRef?.name, `${d.metadata.name}: ${e.name} from a Secret`);
        }
      }
      const fromSecret = new Set((c.env ?? []).filter((e: K8s) => e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional).map((e: K8s) => e.name));
      for (const name of REQUIRED_SECRETS[d.metadata.name]!) assert.ok(fromSecret.has(name), `${d.metadata.name}: needs ${name}`);
    }
  });

  it('each process accepts the configuration the manifests give it', () => {
    for (const { d, c } of containers()) {
      const env: Record<string, string> = { ...configOf(c) };
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (PLACEHOLDER[e.name]) env[e.name] = PLACEHOLDER[e.name]!;
      }
      const config = loadConfig(env, { dotEnvPath: false });
      if (d.metadata.name === 'codec-server') {
        // Reachable from the Web UI: not loopback, so it must have a token.
        assert.equal(config.selfService.codecServer.host, '0.0.0.0');
        assert.ok(config.selfService.codecServer.token);
      }
      if (d.metadata.name === 'http-api') assert.equal(config.selfService.httpApi.host, '0.0.0.0');
    }
  });

  it('worker: a PodDisruptionBudget, and a termination grace period covering the SDK shutdown grace time', () => {
    const worker = deployments.get('worker');
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget');
    assert.ok(pdb, 'a PodDisruptionBudget');
    const labels = worker.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(labels[k], v, 'the PDB selects the worker pods');
    assert.ok(pdb.spec.minAvailable >= 1 && worker.spec.replicas > pdb.spec.minAvailable, 'a drain can evict one worker, never all');
    const match = /shutdownGraceTime:\s*'([^']+)'/.exec(readFileSync('workers/create-workers.ts', 'utf8'));
    assert.ok(match, 'shutdownGraceTime in workers/create-workers.ts');
    const graceS = parseDurationMs(match[1]!)! / 1000;
    const terminationS = worker.spec.template.spec.terminationGracePeriodSeconds;
    assert.ok(terminationS > graceS && terminationS <= graceS + 30, `terminationGracePeriodSeconds ${terminationS} vs SDK grace ${graceS} s`);
  });

  it('every container runs a compiled entry point the image holds', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const final = dockerfile.split(/^FROM /m).at(-1)!;
    // The image compiles with the project's build (the static pages copied too) and runs plain node.
    assert.match(dockerfile, /^RUN node scripts\/build\.mjs dist\b/m);
    assert.match(final, /^COPY --from=build \/app\/dist \.\/dist$/m);
    assert.match(final, /^ENTRYPOINT \["node"\]$/m);
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ignored.includes('!scripts/build.mjs'), '.dockerignore lets scripts/build.mjs into the context');
    const entries = [/^CMD \["([^"]+)"\]$/m.exec(final)?.[1], ...containers().map(({ c }) => c.args?.[0])];
    for (const entry of entries) {
      const source = /^dist\/(.+)\.js$/.exec(entry ?? '')?.[1];
      assert.ok(source && existsSync(`${source}.ts`), `${entry}: a file npm run build makes from a source in the repository`);
    }
  });

  it('Dockerfile: multi-stage, production dependencies only, non-root, no secrets or test code baked in', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.match(dockerfile, /npm ci --omit=dev/);
    const final = stages.at(-1)!;
    const user = [...final.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    assert.ok(user && !['root', '0'].includes(user), `final stage USER ${user}`);
    for (const line of dockerfile.split('\n').filter((l) => /^(ENV|ARG)\s/.test(l))) {
      for (const secret of SECRET_VARIABLES) assert.ok(!line.includes(secret), `secret ${secret} baked in: ${line}`);
    }
    for (const dir of ['test', 'okta-sim', 'scripts', 'bench', '.env']) assert.doesNotMatch(final, new RegExp(`^COPY\\s+(\\S+\\s+)*${dir.replace('.', '\\.')}\\b`, 'm'));
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', '.git', '.data', 'node_modules']) assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  });
});
