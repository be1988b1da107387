/** Probes for Kubernetes: liveness (the process answers) and readiness (Temporal answers). */
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface HealthRoutesOptions {
  client: Client;
  /** How long readiness waits for Temporal. */
  readinessTimeoutMs?: number;
}

const Live = z.object({ ok: z.literal(true) });
const Ready = z.object({ ready: z.boolean(), temporal: z.string() });

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const live = { config: { rateLimit: false }, schema: { summary: 'Liveness: the process answers', security: [], response: { 200: Live } } };
  api.get('/livez', live, async () => ({ ok: true as const }));
  api.get('/healthz', { ...live, schema: { ...live.schema, summary: 'Same as /livez' } }, async () => ({ ok: true as const }));
  api.get(
    '/readyz',
    { config: { rateLimit: false }, schema: { summary: 'Readiness: Temporal is reachable', security: [], response: { 200: Ready, 503: Ready } } },
    async (_request, reply) => {
      const connection = opts.client.connection;
      try {
        await connection.withDeadline(Date.now() + (opts.readinessTimeoutMs ?? 2000), () => connection.workflowService.getSystemInfo({}));
        return { ready: true, temporal: 'reachable' };
      } catch {
        return reply.code(503).header('Retry-After', '5').send({ ready: false, temporal: 'unreachable' });
      }
    },
  );
};
