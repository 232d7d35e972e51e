import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { stringAt } from '../../events/payload-fields';
import type { Subscription } from '../../subscriptions/subscription.entity';
import { AlertFetchState, InsideViewAlert } from './insideview-alert.entity';
import { parseInsideViewDate } from './insideview-date';
import { queryRows } from '../../database/query-rows';
import { FOREIGN_KEY_VIOLATION, insertRowBatch, sqlState } from '../../database/row-batch-insert';
import { TickBatcher } from '../../events/tick-batcher';

interface QueuedAlert {
  subscriptionId: string;
  eventId: string;
  alertId: string;
  vendorSubscriptionId: string;
  alertDate: Date | null;
  alertType: string | null;
}


/**
 * The alert queue (the insideview_alerts table is the fetch job's queue): rows made from
 * notifications, leased with FOR UPDATE SKIP LOCKED, renewed, and finished by the fetch job.
 * Read by the API through InsideViewAlertsService.
 */
/** What the fetch job needs of an alert it claimed. */
export type ClaimedAlert = Pick<InsideViewAlert, 'id' | 'alertId' | 'vendorSubscriptionId' | 'attempts' | 'subscriptionId' | 'alertDate' | 'alertType'>;

@Injectable()
export class InsideViewAlertQueue {
  constructor(@InjectRepository(InsideViewAlert) private readonly alerts: Repository<InsideViewAlert>) {}

  /** Notifications of one tick are queued by one statement (see TickBatcher). */
  private readonly queue = new TickBatcher<QueuedAlert, boolean>((alerts) => this.enqueueMany(alerts), { maxItems: 500, maxInFlight: 2 });

  /**
   * Queues an alert for fetching; a repeat notification queues nothing. Called for new and for
   * duplicate deliveries alike, so an alert whose event committed just before a crash is still
   * queued when InsideView retries. Returns whether a row was added.
   */
  async enqueue(subscription: Subscription, eventId: string, payload: unknown): Promise<boolean> {
    const alertId = stringAt(payload, 'alertId', 100);
    if (!alertId || !subscription.vendorRef) return false;
    return this.queue.submit({
      subscriptionId: subscription.id,
      eventId,
      alertId,
      vendorSubscriptionId: subscription.vendorRef,
      alertDate: parseInsideViewDate(stringAt(payload, 'date')),
      alertType: stringAt(payload, 'type', 64),
    });
  }

  /** One INSERT for the tick's alerts; one refused row (its subscription deleted meanwhile) must not fail the others. */
  private enqueueMany(alerts: QueuedAlert[]): Promise<Array<boolean | Error>> {
    return insertRowBatch(alerts, (batch) => this.insertAlerts(batch), { isRowError: (error) => sqlState(error) === FOREIGN_KEY_VIOLATION });
  }

  /** In key order (so concurrent batches never deadlock); the first of a repeated alert is the one that may add it. */
  private async insertAlerts(alerts: QueuedAlert[]): Promise<boolean[]> {
    const values = alerts.map((_, i) => `($${6 * i + 1}::uuid, $${6 * i + 2}::bigint, $${6 * i + 3}::varchar, $${6 * i + 4}::varchar, $${6 * i + 5}::timestamptz, $${6 * i + 6}::varchar)`);
    const rows = await queryRows<{ subscription_id: string; alert_id: string }>(
      this.alerts.manager.connection,
      `INSERT INTO insideview_alerts (subscription_id, event_id, alert_id, vendor_subscription_id, alert_date, alert_type)
       SELECT * FROM (VALUES ${values.join(', ')}) AS v(subscription_id, event_id, alert_id, vendor_subscription_id, alert_date, alert_type)
        ORDER BY subscription_id, alert_id
       ON CONFLICT (subscription_id, alert_id) DO NOTHING
       RETURNING subscription_id, alert_id`,
      alerts.flatMap((alert) => [alert.subscriptionId, alert.eventId, alert.alertId, alert.vendorSubscriptionId, alert.alertDate, alert.alertType]),
    );
    const added = new Set(rows.map((row) => `${row.subscription_id}\u0000${row.alert_id}`));
    return alerts.map((alert) => added.delete(`${alert.subscriptionId}\u0000${alert.alertId}`));
  }

  /**
   * A deleted subscription's alerts still queued are failed: InsideView no longer has the
   * subscription to fetch them from. One being fetched right now loses its lease, so whatever that
   * attempt brings back is not stored and it is not queued again.
   */
  async abandonQueued(subscriptionId: string): Promise<void> {
    await this.alerts.query(
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Failed}', last_error = 'its subscription was deleted before the details were fetched',
              lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE subscription_id = $1 AND state IN ('${AlertFetchState.Pending}', '${AlertFetchState.Fetching}')`,
      [subscriptionId],
    );
  }

  /**
   * An alert whose lease expired after its last attempt (its instance died mid-fetch, again and
   * again) is failed rather than claimed forever.
   */
  async failAbandoned(maxAttempts: number): Promise<void> {
    await this.alerts.query(
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Failed}', lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
              last_error = 'the instance fetching it stopped before finishing, ' || attempts || ' times'
        WHERE state = '${AlertFetchState.Fetching}' AND lease_expires_at < now() AND attempts >= $1`,
      [maxAttempts],
    );
  }

  /**
   * Leases up to `limit` due alerts (pending, or fetching with an expired lease) to `owner`. An
   * expired lease on the last attempt is not taken over: failAbandoned fails it (even when the
   * lease expired between that call and this one).
   */
  claim(owner: string, limit: number, leaseSeconds: number, maxAttempts: number): Promise<ClaimedAlert[]> {
    return queryRows(this.alerts.manager.connection, 
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Fetching}', lease_owner = $1, lease_expires_at = now() + $2 * interval '1 second',
              attempts = attempts + 1, updated_at = now()
        WHERE id IN (
          SELECT id FROM insideview_alerts
           WHERE (state = '${AlertFetchState.Pending}' AND next_attempt_at <= now())
              OR (state = '${AlertFetchState.Fetching}' AND lease_expires_at < now() AND attempts < $4)
           ORDER BY next_attempt_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING id, alert_id AS "alertId", vendor_subscription_id AS "vendorSubscriptionId", attempts,
                  subscription_id AS "subscriptionId", alert_date AS "alertDate", alert_type AS "alertType"`,
      [owner, leaseSeconds, limit, maxAttempts],
    );
  }

  /** Extends a lease still held; false when it was lost (expired and taken by another instance). */
  async renew(id: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const result = await queryRows(this.alerts.manager.connection, 
      `UPDATE insideview_alerts SET lease_expires_at = now() + $3 * interval '1 second'
        WHERE id = $1 AND lease_owner = $2 AND state = '${AlertFetchState.Fetching}'
        RETURNING id`,
      [id, owner, leaseSeconds],
    );
    return result.length > 0;
  }

  /** Stores the details, if the lease is still ours. */
  async complete(id: string, owner: string, details: Record<string, unknown>): Promise<boolean> {
    const rows = await queryRows(this.alerts.manager.connection, 
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Fetched}', details = $3, fetched_at = now(), last_error = NULL,
              lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND lease_owner = $2 AND state = '${AlertFetchState.Fetching}'
        RETURNING id`,
      [id, owner, JSON.stringify(details)],
    );
    return rows.length > 0;
  }

  /**
   * Ends a failed attempt: back to pending at `retryAt`, or failed for good. `countAttempt` false
   * (a throttled call) gives the attempt back.
   */
  async fail(id: string, owner: string, error: string, outcome: { retryAt: Date | null; countAttempt: boolean }): Promise<void> {
    await this.alerts.query(
      `UPDATE insideview_alerts
          SET state = CASE WHEN $3::timestamptz IS NULL THEN '${AlertFetchState.Failed}' ELSE '${AlertFetchState.Pending}' END,
              next_attempt_at = COALESCE($3::timestamptz, next_attempt_at),
              attempts = attempts - CASE WHEN $4::boolean THEN 0 ELSE 1 END,
              last_error = $5, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = $1 AND lease_owner = $2 AND state = '${AlertFetchState.Fetching}'`,
      [id, owner, outcome.retryAt, outcome.countAttempt, error.slice(0, 2000)],
    );
  }

  /** On shutdown: every lease of `owner` goes back to the queue at once, the attempt not counted. */
  async releaseAll(owner: string): Promise<void> {
    await this.alerts.query(
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Pending}', attempts = GREATEST(attempts - 1, 0), next_attempt_at = now(),
              lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE lease_owner = $1 AND state = '${AlertFetchState.Fetching}'`,
      [owner],
    );
  }
}
