/** Builds every activity the workers run from the config: the one place real clients are made. */
import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { Runtime } from '@temporalio/worker';
import { createDiagnosticsActivities } from '../activities/diagnostics.js';
import { createNotifyActivities } from '../activities/notify/activities.js';
import { LogNotifier, WebhookNotifier, type Notifier } from '../activities/notify/notifier.js';
import { createOktaClient } from '../activities/okta/client.js';
import { createOktaActivities } from '../activities/okta-activities.js';
import { ProtectedMembersCache } from '../activities/okta/protected-members.js';
import { createOktaLogActivities } from '../activities/okta-log-activities.js';
import { createSelfServiceActivities } from '../activities/self-service/activities.js';
import type { AppConfig } from '../temporal.config.js';
import type { WorkerActivities } from './create-workers.js';

export function createNotifier(config: AppConfig): Notifier {
  if (config.notifier.kind === 'webhook') return new WebhookNotifier(config.notifier.url, config.notifier.secret);
  const logger = Runtime.instance().logger;
  return new LogNotifier({ info: (message, meta) => logger.info(message, meta) });
}

export interface ProjectActivityDeps {
  /** Defaults to the configured notifier (log or webhook). */
  notifier?: Notifier;
  /** A Temporal client (with the project's data converter): self-service counts recent requests with it. */
  client: Client;
}

export function createProjectActivities(config: AppConfig, deps: ProjectActivityDeps): WorkerActivities {
  if (!config.okta) {
    throw new Error('No Okta org configured (OKTA_ORG_URL): `npm start` runs the Okta simulator and sets it for you.');
  }
  const notifier = deps.notifier ?? createNotifier(config);
  // The runtime's meter: Okta call counts and rate-limit headroom land on the worker's /metrics.
  const okta = createOktaClient(config.okta, { meter: Runtime.instance().metricMeter });
  return {
    general: {
      ...createDiagnosticsActivities(),
      ...createNotifyActivities(notifier),
      ...createSelfServiceActivities({ config, client: deps.client, notifier, orgUrl: config.okta.orgUrl }),
    },
    okta: createOktaActivities(okta, {
      protectedMembers: new ProtectedMembersCache(okta, { ttlMs: config.protectedMembersCacheTtlMs, warn: activityWarn }),
    }),
    oktaLogs: createOktaLogActivities(okta),
  };
}

/** Warns through the running activity's logger (the cache refreshes inside one), else the runtime's. */
function activityWarn(message: string, meta: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, meta);
  } catch {
    Runtime.instance().logger.warn(message, meta);
  }
}
