/**
 * Operator CLI: `npm run cli -- <command>`. Uses the codec data converter (PAYLOAD_ENCRYPTION_KEYS),
 * so operators read decrypted state; reset links are never printed (operator views omit them).
 *
 *   requests list [--user <login>] [--open] [--limit N]    self-service runs (newest first)
 *   requests show <id|workflowId>                           one request (operator view)
 *   approve|deny <id|workflowId> --as <login> --reason ".." helpdesk decision (checked by the workflow)
 *   cancel <id|workflowId> --as <login> [--reason ".."]     cancel before the Okta call
 *   lockouts list [--open] [--limit N]                      lockout episodes
 *   lockouts show <oktaUserId>                              one lockout's state
 *   poller status|pause|resume|poll-now|stop [--org URL] [--as login]
 *   poller breaker resume [--org URL] [--as login]
 *   poller reset-cursor --since <ISO time|duration, e.g. 2h> [--org URL] [--as login]
 *   report [--since 30d] [--json]                           lockouts, resets, approvals, minutes saved
 *   event-hook register|status|deactivate                    Okta event hook for push (EVENT_HOOK_*)
 *   doctor                                                  client → server → worker round trip
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { aggregateReport, collectReportRuns, formatReport } from './report.js';
import { createOktaClient } from '../activities/okta/client.js';
import { deactivateEventHook, eventHookStatus, registerEventHook, type EventHookOkta } from './event-hook/register.js';
import { lockoutState, pausePoller, pollerState, pollNow, resetPollerCursor, resumePoller, resumeStormBreaker, stopLockoutPoller } from './lockout-client.js';
import { SelfServiceClient } from './self-service-client.js';
import { connectTemporalClient } from './temporal-connection.js';
import { listRuns } from './visibility.js';
import { ConfigError, loadConfigOrExit, parseDurationMs, type AppConfig } from '../temporal.config.js';
import { diagnosticsWorkflowId } from '../workflows/diagnostics.js';

const USAGE = `usage: npm run cli -- <command>
  requests list [--user <login>] [--open] [--limit N]
  requests show <id|workflowId>
  approve <id|workflowId> --as <login> --reason "..."
  deny <id|workflowId> --as <login> --reason "..."
  cancel <id|workflowId> --as <login> [--reason "..."]
  lockouts list [--open] [--limit N]
  lockouts show <oktaUserId>
  poller status|pause|resume|poll-now|stop [--org <url>] [--as <login>]
  poller breaker resume [--org <url>] [--as <login>]   close a tripped storm breaker
  poller reset-cursor --since <ISO time|duration, e.g. 2h> [--org <url>] [--as <login>]
  report [--since 30d] [--json]
  event-hook register|status|deactivate
  doctor`;

export class UsageError extends Error {}

/** `--since 2h` (that long ago) or an ISO 8601 time. */
export function sinceArg(value: string, now = Date.now()): string {
  const ms = /^\d/.test(value) && !value.includes('-') ? parseDurationMs(value) : undefined;
  if (ms !== undefined) return new Date(now - ms).toISOString();
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--since: expected an ISO 8601 time or a duration like 2h, got "${value}"`);
  return new Date(at).toISOString();
}

interface Parsed {
  positional: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) flags[name] = argv[++i]!;
      else flags[name] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

const str = (p: Parsed, name: string): string | undefined => (typeof p.flags[name] === 'string' ? (p.flags[name] as string) : undefined);
const need = (p: Parsed, name: string): string => {
  const v = str(p, name);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
};
const quote = (v: string) => `"${v.replace(/["\\]/g, '')}"`;

export interface CliDeps {
  config: AppConfig;
  client: Client;
  out: (line: string) => void;
  /** Okta's Event Hooks API; by default the Okta client of the configured org. */
  okta?: EventHookOkta;
}

export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const { config, client, out } = deps;
  const p = parseArgs(argv);
  const [cmd, sub, arg] = p.positional;
  const selfService = new SelfServiceClient(client, { taskQueue: config.temporal.taskQueue, oktaTaskQueue: config.temporal.oktaTaskQueue, frontend: 'cli' });
  const json = (v: unknown) => out(JSON.stringify(v, null, 2));
  const limit = Math.min(Math.max(Math.floor(Number(str(p, 'limit') ?? 20)) || 20, 1), 1000);

  async function list(query: string): Promise<void> {
    // Memos are not decoded: a run encrypted with a retired key must not hide the others.
    const { runs } = await listRuns(client, query, limit);
    for (const wf of runs) {
      out([wf.workflowId, wf.status, wf.keywords.AccessOutcome ?? '-', wf.keywords.OktaLogin ?? '-', wf.startTime.toISOString()].join('  '));
    }
    if (runs.length === 0) out('(none)');
  }

  switch (cmd) {
    case 'requests': {
      if (sub === 'list') {
        const parts = ['AccessAction IN ("reset-password", "reset-mfa")'];
        const user = str(p, 'user');
        if (user) parts.push(`OktaLogin = ${quote(user.toLowerCase())}`);
        if (p.flags.open) parts.push('ExecutionStatus = "Running"');
        await list(parts.join(' AND ')); // SQL visibility (dev server) has no ORDER BY; results come newest first
        return 0;
      }
      if (sub === 'show' && arg) {
        json(await selfService.operatorView(arg));
        return 0;
      }
      break;
    }
    case 'approve':
    case 'deny': {
      if (!sub) break;
      const result = await selfService.decideApproval(sub, { decision: cmd, approver: need(p, 'as'), reason: need(p, 'reason') });
      out(result.accepted ? `${cmd === 'approve' ? 'approved' : 'denied'}: ${sub}` : `not accepted: ${result.message}`);
      return result.accepted ? 0 : 1;
    }
    case 'cancel': {
      if (!sub) break;
      const reason = str(p, 'reason');
      await selfService.cancel(sub, need(p, 'as'), reason);
      out(`cancel requested: ${sub}`);
      return 0;
    }
    case 'lockouts': {
      if (sub === 'list') {
        const parts = ['AccessAction = "unlock"'];
        if (p.flags.open) parts.push('ExecutionStatus = "Running"');
        await list(parts.join(' AND ')); // SQL visibility (dev server) has no ORDER BY; results come newest first
        return 0;
      }
      if (sub === 'show' && arg) {
        json(await lockoutState(client, arg));
        return 0;
      }
      break;
    }
    case 'poller': {
      const orgUrl = str(p, 'org') ?? config.okta?.orgUrl;
      if (!orgUrl) throw new UsageError('no Okta org configured: pass --org <url>');
      const by = str(p, 'as') ?? process.env.USER ?? 'cli';
      if (sub === 'status') {
        // Open episodes live in their own workflows: visibility counts them across poller runs.
        const openLockouts = (await client.workflow.count('AccessAction = "unlock" AND ExecutionStatus = "Running"')).count;
        json({ ...(await pollerState(client, orgUrl)), openLockouts });
        return 0;
      }
      if (sub === 'reset-cursor') {
        const since = sinceArg(need(p, 'since'));
        json(await resetPollerCursor(client, orgUrl, since, by));
        return 0;
      }
      if (sub === 'breaker' && arg === 'resume') {
        json(await resumeStormBreaker(client, orgUrl, by));
        return 0;
      }
      if (sub === 'stop') {
        out((await stopLockoutPoller(client, orgUrl, by)) ? 'poller stopped' : 'no poller running');
        return 0;
      }
      if (sub === 'pause') await pausePoller(client, orgUrl, by);
      else if (sub === 'resume') await resumePoller(client, orgUrl, by);
      else if (sub === 'poll-now') await pollNow(client, orgUrl);
      else break;
      out(`poller ${sub}: sent`);
      return 0;
    }
    case 'report': {
      const sinceMs = parseDurationMs(str(p, 'since') ?? '30d');
      if (sinceMs === undefined || sinceMs <= 0 || sinceMs > 400 * 86_400_000) throw new UsageError('--since: a duration such as 7d, 30d or 12h (at most 400d)');
      const until = new Date();
      const since = new Date(until.getTime() - sinceMs);
      const { runs, truncated } = await collectReportRuns(client, { since });
      const report = aggregateReport(runs, { since, until, minutesPerTicket: config.report.minutesPerTicket });
      out(p.flags.json ? JSON.stringify({ ...report, truncated }, null, 2) : formatReport(report, truncated));
      return 0;
    }
    case 'event-hook': {
      const okta = deps.okta ?? (config.okta ? createOktaClient(config.okta) : undefined);
      if (!okta) throw new UsageError('no Okta org configured (OKTA_ORG_URL)');
      if (sub === 'register') {
        const hook = await registerEventHook(okta, config.eventHook);
        out(`event hook ${hook.action}: ${hook.id} ${hook.status} ${hook.verificationStatus} → ${hook.uri} (${hook.eventTypes.join(', ')})`);
        return 0;
      }
      if (sub === 'status' || sub === 'deactivate') {
        const hook = sub === 'status' ? await eventHookStatus(okta, config.eventHook) : await deactivateEventHook(okta, config.eventHook);
        if (!hook) {
          out(`no event hook named "${config.eventHook.name}" or calling ${config.eventHook.url}`);
          return 1;
        }
        json(hook);
        return 0;
      }
      break;
    }
    case 'doctor': {
      // The main queue, and the poller's: each has a worker of its own in every worker process.
      const roundTrip = async (taskQueue: string) => {
        const echo = randomUUID();
        const started = Date.now();
        const result = await client.workflow.execute('diagnosticsWorkflow', { taskQueue, workflowId: diagnosticsWorkflowId(echo), args: [echo], workflowExecutionTimeout: '30s' });
        return { ok: (result as { echo?: string }).echo === echo, roundTripMs: Date.now() - started, result };
      };
      const [main, poller] = await Promise.all([roundTrip(config.temporal.taskQueue), roundTrip(config.temporal.pollerTaskQueue)]);
      json({ ok: main.ok && poller.ok, roundTripMs: main.roundTripMs, worker: main.result, pollerQueue: { ok: poller.ok, roundTripMs: poller.roundTripMs, worker: poller.result } });
      return 0;
    }
  }
  throw new UsageError(USAGE);
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  let client: Client;
  try {
    client = await connectTemporalClient(config);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  try {
    process.exitCode = await runCli(process.argv.slice(2), { config, client, out: (line) => console.log(line) });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 2;
    } else {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      process.exitCode = 1;
    }
  } finally {
    await client.connection.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
