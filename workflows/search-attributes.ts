/**
 * Custom search attributes every workflow of this project sets, so operators can find all runs for
 * a user or an action in the Web UI (e.g. `OktaLogin = "alice@example.com" AND AccessAction = "unlock"`).
 * Registered on the dev server by scripts/temporal-dev.sh; on a cluster or Temporal Cloud an
 * operator registers them once (see README).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OktaUserIdKey = defineSearchAttributeKey('OktaUserId', SearchAttributeType.KEYWORD);
export const OktaLoginKey = defineSearchAttributeKey('OktaLogin', SearchAttributeType.KEYWORD);
/** What the workflow does: `unlock`, `poll-lockouts`, `reset-password`, `reset-mfa`. */
export const AccessActionKey = defineSearchAttributeKey('AccessAction', SearchAttributeType.KEYWORD);
/** Where it ended (or `pending`): `unlocked`, `not-locked`, `denied`, `expired`, ... */
export const AccessOutcomeKey = defineSearchAttributeKey('AccessOutcome', SearchAttributeType.KEYWORD);
/** The chat frontend's request ID, for self-service requests. */
export const AccessRequestIdKey = defineSearchAttributeKey('AccessRequestId', SearchAttributeType.KEYWORD);

/** Every key above: what a server must have registered before these workflows run. */
export const PROJECT_SEARCH_ATTRIBUTES = [OktaUserIdKey, OktaLoginKey, AccessActionKey, AccessOutcomeKey, AccessRequestIdKey] as const;
