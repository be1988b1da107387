/** What every part of the Slack app shares: the Slack Web API client, the product's typed clients, logging. */
import type { webApi } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import type { SelfServiceClient } from '../self-service-client.js';

export type SlackLog = (level: 'info' | 'warn', message: string, meta?: Record<string, unknown>) => void;

export interface SlackAppContext {
  web: webApi.WebClient;
  selfService: SelfServiceClient;
  /** For lockout replies and listing open requests (visibility). */
  temporal: Client;
  /** The product's workflow task queue: the approval sweep looks only at its runs. */
  taskQueue: string;
  helpdeskChannel?: string;
  log: SlackLog;
  /** Set when the app is closing: background loops stop. */
  signal: AbortSignal;
}

export const NO_VERIFIED_EMAIL =
  'I cannot tell who you are in Okta: your Slack profile has no verified email address that I can read. Ask the helpdesk.';
export const SOMETHING_WENT_WRONG = 'Something went wrong on our side. Try again in a minute, or contact the helpdesk.';

/** Only the error's kind goes to logs: Slack and Temporal errors may carry request bodies. */
export function errorKind(err: unknown): string {
  if (err instanceof Error) return (err as { code?: unknown }).code ? `${err.name}:${String((err as { code?: unknown }).code)}` : err.name;
  return 'unknown';
}
