/**
 * Non-Okta activities of the self-service workflows (main task queue): the policy from the worker's
 * configuration, the per-user daily limit (counted in Temporal visibility), and employee notifications.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../temporal.config.js';
import type { Notifier } from '../notify/notifier.js';

export type SelfServiceActionName = 'reset-password' | 'reset-mfa';

export interface SelfServicePolicy {
  approval: 'none' | 'helpdesk';
  approvalTimeoutMs: number;
  choiceTimeoutMs: number;
  helpdeskGroup?: string;
  helpdeskLogins: string[];
  protectedGroups: string[];
  mfaMode: 'all' | 'choose';
  /** `['*']` = all. */
  resettableFactorTypes: string[];
  /** 0 = unlimited. */
  dailyLimit: number;
  portalUrl: string;
  enabled: boolean;
  /**
   * The configured notifier can deliver a credential (a reset link) to the employee. False for the
   * log notifier (it withholds links): a helpdesk reset for someone else must then be refused.
   */
  secretDelivery: boolean;
  /** Okta calls in the self-service workflows: attempts and start-to-close timeout. */
  oktaMaxAttempts: number;
  oktaActivityTimeoutMs: number;
  /** After a successful reset, the run answers late requests until none came for this long. */
  answerLingerMs: number;
}

export interface SelfServiceNotification {
  userId: string;
  login?: string;
  workflowId: string;
  text: string;
  /** A credential (reset link) for this user only: appended for real delivery, never logged. */
  secretLink?: string;
}

export interface SelfServiceActivityDeps {
  config: AppConfig;
  /** For the daily limit (visibility count). */
  client: Client;
  /** Where employees are told about their request; absent = log only (links withheld). */
  notifier?: Notifier;
  /** The Okta org in use (the simulator's URL when no org is configured). */
  orgUrl?: string;
}

export function createSelfServiceActivities(deps: SelfServiceActivityDeps) {
  const { config, client, notifier } = deps;
  const ss = config.selfService;
  return {
    async selfServicePolicy(action: SelfServiceActionName): Promise<SelfServicePolicy> {
      const orgUrl = config.okta?.orgUrl ?? deps.orgUrl;
      const portalUrl = ss.portalUrl ?? (orgUrl ? `${orgUrl.replace(/\/+$/, '')}/enduser/settings` : '');
      return {
        approval: action === 'reset-password' ? ss.approval.passwordReset : ss.approval.mfaReset,
        approvalTimeoutMs: ss.approval.timeoutMs,
        choiceTimeoutMs: ss.mfaChoiceTimeoutMs,
        ...(ss.helpdesk.group ? { helpdeskGroup: ss.helpdesk.group } : {}),
        helpdeskLogins: ss.helpdesk.logins,
        protectedGroups: ss.protectedGroups,
        mfaMode: ss.mfaResetMode,
        resettableFactorTypes: ss.resettableFactorTypes,
        dailyLimit: action === 'reset-password' ? ss.dailyLimits.passwordReset : ss.dailyLimits.mfaReset,
        portalUrl,
        enabled: action === 'reset-password' ? config.features.passwordReset : config.features.mfaReset,
        secretDelivery: notifier !== undefined && notifier.name !== 'log',
        oktaMaxAttempts: ss.oktaMaxAttempts,
        oktaActivityTimeoutMs: config.oktaActivityTimeoutMs,
        answerLingerMs: ss.answerLingerMs,
      };
    },

    /**
     * Resets of this action for this user that count against the daily limit: successful runs since
     * `sinceIso`, plus runs still open that started before the asking run (`startedBeforeIso`) — a
     * pending reset counts, so two runs for the same person (one keyed by login, one by email) cannot
     * both pass. The asking run (`excludeRunId`) never counts itself. Visibility is eventually
     * consistent: a run becomes visible here only once its `OktaUserId` is indexed (milliseconds on
     * the dev server, up to a few seconds on Elasticsearch), so two runs resolved within that window
     * may still both pass.
     */
    async countRecentSelfServiceSuccesses(input: {
      oktaUserId: string;
      action: SelfServiceActionName;
      sinceIso: string;
      excludeRunId?: string;
      startedBeforeIso?: string;
    }): Promise<number> {
      const badDate = (v: string | undefined) => v !== undefined && Number.isNaN(Date.parse(v));
      if (
        !/^[A-Za-z0-9]+$/.test(input.oktaUserId) ||
        Number.isNaN(Date.parse(input.sinceIso)) ||
        badDate(input.startedBeforeIso) ||
        (input.excludeRunId !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(input.excludeRunId))
      ) {
        throw ApplicationFailure.nonRetryable('bad limit query input', 'InvalidInput');
      }
      const success = input.action === 'reset-password' ? 'link-issued' : 'factors-reset';
      const open = input.startedBeforeIso
        ? ` OR (ExecutionStatus = "Running" AND StartTime < "${new Date(input.startedBeforeIso).toISOString()}")`
        : '';
      const query =
        `AccessAction = "${input.action}" AND OktaUserId = "${input.oktaUserId}"` +
        ` AND StartTime > "${new Date(input.sinceIso).toISOString()}"` +
        (input.excludeRunId ? ` AND RunId != "${input.excludeRunId}"` : '') +
        ` AND (AccessOutcome = "${success}"${open})`;
      const { count } = await client.workflow.count(query);
      return count;
    },

    async notifySelfService(n: SelfServiceNotification): Promise<{ delivered: boolean; via: string }> {
      const log = Context.current().log;
      if (!notifier || notifier.name === 'log') {
        // A log is no place for a credential: say that a link exists, not what it is.
        log.info('notify user (self-service)', {
          userId: n.userId,
          login: n.login,
          workflowId: n.workflowId,
          text: n.text,
          ...(n.secretLink ? { link: '(withheld from logs)' } : {}),
        });
        if (notifier) await notifier.notify({ kind: 'self-service', userId: n.userId, ...(n.login ? { login: n.login } : {}), text: n.text, workflowId: n.workflowId });
        return { delivered: !n.secretLink, via: 'log' };
      }
      try {
        await notifier.notify({
          kind: 'self-service',
          userId: n.userId,
          ...(n.login ? { login: n.login } : {}),
          text: n.secretLink ? `${n.text}\n${n.secretLink}` : n.text,
          workflowId: n.workflowId,
        });
      } catch (err) {
        // A delivery error the notifier calls permanent (e.g. the webhook answered 4xx) is not retried.
        const message = err instanceof Error ? err.message : 'notification failed';
        if ((err as { retryable?: unknown } | null)?.retryable === false) throw ApplicationFailure.nonRetryable(message, 'NotificationRejected');
        throw ApplicationFailure.retryable(message, 'NotificationFailed');
      }
      return { delivered: true, via: notifier.name };
    },
  };
}

export type SelfServiceActivities = ReturnType<typeof createSelfServiceActivities>;
