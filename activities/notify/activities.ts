import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Notifier, type UserNotification, WebhookDeliveryError } from './notifier.js';

export const NotifyFailureType = { Undeliverable: 'NotificationUndeliverable' } as const;

export function createNotifyActivities(notifier: Notifier) {
  return {
    async notifyUser(notification: UserNotification): Promise<void> {
      try {
        await notifier.notify(notification);
      } catch (err) {
        const retryable = !(err instanceof WebhookDeliveryError) || err.retryable;
        const message = err instanceof Error ? err.message : 'notification failed';
        Context.current().log.warn('notification not delivered', { notifier: notifier.name, kind: notification.kind, message });
        throw ApplicationFailure.create({ type: NotifyFailureType.Undeliverable, message, nonRetryable: !retryable });
      }
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
