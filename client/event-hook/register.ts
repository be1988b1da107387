/**
 * Registers the receiver with Okta through the Event Hooks API: create (or replace the hook found by
 * name or URL, so running it twice leaves one hook with the current secret), activate, verify.
 * Verification makes Okta call the receiver, so the receiver must be running and reachable.
 */
import type { EventHookSpec, OktaClient } from '../../activities/okta/client.js';
import type { EventHook } from '../../activities/okta/schemas.js';
import type { EventHookConfig } from '../../temporal.config.js';

export interface EventHookSummary {
  id: string;
  name: string;
  uri: string;
  status: string;
  verificationStatus: string;
  eventTypes: string[];
}

export type EventHookOkta = Pick<OktaClient, 'listEventHooks' | 'createEventHook' | 'replaceEventHook' | 'verifyEventHook' | 'setEventHookActive'>;

function summary(h: EventHook): EventHookSummary {
  return { id: h.id, name: h.name, uri: h.channel.config.uri, status: h.status, verificationStatus: h.verificationStatus ?? 'UNKNOWN', eventTypes: h.events.items };
}

/** This product's hook: the one with the configured name, else the one calling the configured URL. */
export async function findEventHook(okta: EventHookOkta, cfg: Pick<EventHookConfig, 'name' | 'url'>): Promise<EventHook | undefined> {
  const hooks = await okta.listEventHooks();
  return hooks.find((h) => h.name === cfg.name) ?? hooks.find((h) => h.channel.config.uri === cfg.url);
}

export async function registerEventHook(okta: EventHookOkta, cfg: EventHookConfig): Promise<EventHookSummary & { action: 'created' | 'updated' }> {
  if (!cfg.secret) throw new Error('EVENT_HOOK_SECRET is not set: Okta must send it with every hook call');
  const spec: EventHookSpec = { name: cfg.name, uri: cfg.url, eventTypes: cfg.eventTypes, authHeader: cfg.authHeader, secret: cfg.secret };
  const existing = await findEventHook(okta, cfg);
  // Always written: the secret is write-only in Okta, so a rotated secret can only be set, not compared.
  let hook = existing ? await okta.replaceEventHook(existing.id, spec) : await okta.createEventHook(spec);
  if (hook.status !== 'ACTIVE') hook = await okta.setEventHookActive(hook.id, true);
  // Verified on every run: proves the receiver is reachable and accepts the secret just written.
  hook = await okta.verifyEventHook(hook.id);
  return { ...summary(hook), action: existing ? 'updated' : 'created' };
}

export async function eventHookStatus(okta: EventHookOkta, cfg: EventHookConfig): Promise<EventHookSummary | undefined> {
  const hook = await findEventHook(okta, cfg);
  return hook ? summary(hook) : undefined;
}

/** Stops pushes (the poller keeps unlocking at its interval); `register` turns them on again. */
export async function deactivateEventHook(okta: EventHookOkta, cfg: EventHookConfig): Promise<EventHookSummary | undefined> {
  const hook = await findEventHook(okta, cfg);
  return hook ? summary(await okta.setEventHookActive(hook.id, false)) : undefined;
}
