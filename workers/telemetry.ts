/**
 * The worker's telemetry: the SDK runtime (logger, Prometheus exporter that also carries the project's
 * metrics) and optional OpenTelemetry tracing through `@temporalio/interceptors-opentelemetry`.
 *
 * The runtime's exporter listens on a free loopback port chosen here; the health server proxies it on
 * `/metrics`, so one port (WORKER_HEALTH_PORT) serves probes and scrapes alike.
 */
import { createServer } from 'node:net';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, type WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from '../temporal.config.js';
import { WORKFLOW_HISTOGRAM_BUCKETS } from '../workflows/metric-names.js';

/** An unreachable collector must not eat the pod's termination grace period: flush for 3 s at most. */
const FLUSH_LIMIT_MS = 3_000;

function boundedFlush(flush: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_LIMIT_MS)));
  return Promise.race([flush.catch(() => undefined), limit]).finally(() => clearTimeout(timer));
}

/** A free TCP port on loopback (for the runtime's exporter, which needs a fixed bind address). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface InstalledRuntime {
  /** The runtime's own Prometheus endpoint (loopback), when metrics are on. */
  metricsUrl?: string;
}

/** Installs the SDK runtime once per process, with the Prometheus exporter when metrics are on. */
export async function installRuntime(config: AppConfig, shutdownSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<InstalledRuntime> {
  const logger = new DefaultLogger(config.logLevel);
  if (!config.observability.metrics) {
    Runtime.install({ logger, shutdownSignals });
    return {};
  }
  const port = await freeLoopbackPort();
  Runtime.install({
    logger,
    shutdownSignals,
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress: `127.0.0.1:${port}`, histogramBucketOverrides: WORKFLOW_HISTOGRAM_BUCKETS },
      },
    },
  });
  return { metricsUrl: `http://127.0.0.1:${port}/metrics` };
}

export interface Tracing {
  /** Worker options that install the tracing interceptors (empty when tracing is off). */
  workerOptions: Partial<WorkerOptions>;
  /** Flushes spans still buffered; call after the workers stopped. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is off unless an OTLP endpoint is configured: then workflow, activity and client calls made
 * by the worker get spans, exported over OTLP/HTTP. `spanProcessor` is injectable for tests.
 */
export function createTracing(config: AppConfig, spanProcessor?: SpanProcessor): Tracing {
  const url = config.observability.tracesEndpoint;
  if (!url && !spanProcessor) return { workerOptions: {}, shutdown: () => Promise.resolve() };
  const processor = spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: url! }));
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.observability.serviceName });
  // Workflow spans reach the processor through a sink; activity and client spans need a tracer of
  // their own (the global one is a no-op, and registering globals would surprise an embedding app).
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const plugin = new OpenTelemetryPlugin({ resource, spanProcessor: processor, tracer: provider.getTracer('okta-account-access') });
  return { workerOptions: { plugins: [plugin] }, shutdown: () => boundedFlush(provider.shutdown()) };
}
