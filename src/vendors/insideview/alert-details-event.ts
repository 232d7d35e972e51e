import { Injectable } from '@nestjs/common';
import { EventWriter, SubscriptionGoneError } from '../../events/event-writer';
import { WebhookEventStatus } from '../../events/webhook-event.entity';
import type { InsideViewAlert } from './insideview-alert.entity';
import { insideviewVendor } from './insideview.vendor';

/** The event type of the event derived from an alert once its details are fetched. */
export const ALERT_DETAILS_EVENT_TYPE = 'alert.details';

export type AlertForDetails = Pick<InsideViewAlert, 'subscriptionId' | 'alertId' | 'alertDate' | 'alertType'>;

/**
 * Records an alert's fetched details as an event of its own (`alert.details`), so consumers of the
 * feed and destinations get the content the notification lacks without calling InsideView. Written
 * through the shared EventWriter (the feed's commit horizon relies on it being the only writer of
 * event rows), deduped on the alert: a re-fetch (retry, lease takeover, a crash before the alert was
 * marked fetched) finds the event already stored and adds nothing.
 */
@Injectable()
export class AlertDetailsEvents {
  constructor(private readonly writer: EventWriter) {}

  /** Stores the event; false when the subscription was deleted meanwhile (nothing stored). */
  async record(alert: AlertForDetails, details: Record<string, unknown>): Promise<boolean> {
    const payload = JSON.stringify({ alertId: alert.alertId, alertType: alert.alertType, ...details });
    try {
      await this.writer.write({
        subscriptionId: alert.subscriptionId,
        vendor: insideviewVendor.name,
        eventType: ALERT_DETAILS_EVENT_TYPE,
        dedupeKey: `alert-details:${alert.alertId}`,
        status: WebhookEventStatus.Accepted,
        validationErrors: null,
        occurredAt: alert.alertDate === null ? null : new Date(alert.alertDate),
        headers: '{}',
        payload,
        rawBody: Buffer.from(payload),
        isTest: false,
        activate: false,
      });
      return true;
    } catch (error) {
      if (error instanceof SubscriptionGoneError) return false;
      throw error;
    }
  }
}
