/**
 * The worker's probe and scrape endpoint (WORKER_HEALTH_HOST:WORKER_HEALTH_PORT, default 0.0.0.0:9464):
 * - `GET /livez`   200 while the process serves HTTP (the event loop is not wedged);
 * - `GET /readyz`  200 once every worker is RUNNING and the Temporal frontend answers a health check,
 *                  503 with the reason otherwise (starting, draining, server unreachable);
 * - `GET /metrics` the SDK runtime's Prometheus text (its own metrics and the project's), proxied from
 *                  the runtime's loopback exporter; 404 when WORKER_METRICS=false.
 * Nothing else; no request bodies are read. Answers carry no secrets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServerOptions {
  host: string;
  port: number;
  /** States of the project's workers (`Worker.getState()`); empty while they are being created. */
  workerStates(): string[];
  /** Resolves when the Temporal frontend answers; rejects (or false) otherwise. Called at most every `checkEveryMs`. */
  checkTemporal(): Promise<boolean>;
  /** The runtime's own Prometheus endpoint; absent = metrics off. */
  metricsUrl?: string;
  checkEveryMs?: number;
}

export interface RunningHealthServer {
  url: string;
  close(): Promise<void>;
}

const TEMPORAL_CHECK_TIMEOUT_MS = 3_000;

export async function startHealthServer(opts: HealthServerOptions): Promise<RunningHealthServer> {
  const checkEveryMs = opts.checkEveryMs ?? 2_000;
  let lastCheck: { at: number; ok: boolean } | undefined;
  let inFlight: Promise<boolean> | undefined;

  // Probes come every few seconds from several places: one Temporal round trip per interval at most.
  function temporalOk(): Promise<boolean> {
    if (lastCheck && Date.now() - lastCheck.at < checkEveryMs) return Promise.resolve(lastCheck.ok);
    inFlight ??= withTimeout(opts.checkTemporal(), TEMPORAL_CHECK_TIMEOUT_MS)
      .catch(() => false)
      .then((ok) => {
        lastCheck = { at: Date.now(), ok };
        inFlight = undefined;
        return ok;
      });
    return inFlight;
  }

  async function readiness(): Promise<{ ready: boolean; reason?: string }> {
    const states = opts.workerStates();
    if (states.length === 0) return { ready: false, reason: 'workers starting' };
    const notRunning = states.filter((s) => s !== 'RUNNING');
    if (notRunning.length > 0) return { ready: false, reason: `workers ${notRunning.join(', ').toLowerCase()}` };
    if (!(await temporalOk())) return { ready: false, reason: 'Temporal server unreachable' };
    return { ready: true };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n');
    if (path === '/livez') return text(res, 200, 'ok\n');
    if (path === '/readyz') {
      const r = await readiness();
      return text(res, r.ready ? 200 : 503, r.ready ? 'ready\n' : `not ready: ${r.reason}\n`);
    }
    if (path === '/metrics') {
      if (!opts.metricsUrl) return text(res, 404, 'metrics are off (WORKER_METRICS=false)\n');
      const upstream = await fetch(opts.metricsUrl, { signal: AbortSignal.timeout(5_000) });
      res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain; version=0.0.4' });
      res.end(await upstream.text());
      return;
    }
    return text(res, 404, 'not found: /livez, /readyz, /metrics\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) text(res, 502, 'metrics unavailable\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
