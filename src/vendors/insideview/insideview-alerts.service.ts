import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { In, Repository } from 'typeorm';
import { AppException } from '../../common/app.exception';
import { ErrorCode } from '../../common/error-code';
import { stringAt } from '../../events/payload-fields';
import { NOT_DELETED, Subscription } from '../../subscriptions/subscription.entity';
import type { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertFetchState, InsideViewAlert } from './insideview-alert.entity';
import { toAlertView, type AlertPage, type AlertView } from './insideview-alert.view';
import { parseInsideViewDate } from './insideview-date';
import { queryRows } from '../../database/query-rows';
import { TickBatcher } from '../../events/tick-batcher';

interface QueuedAlert {
  subscriptionId: string;
  eventId: string;
  alertId: string;
  vendorSubscriptionId: string;
  alertDate: Date | null;
  alertType: string | null;
}

/** What the fetch job needs of an alert it claimed. */
export type ClaimedAlert = Pick<InsideViewAlert, 'id' | 'alertId' | 'vendorSubscriptionId' | 'attempts' | 'subscriptionId' | 'alertDate' | 'alertType'>;

/** The alert queue: rows made from notifications, claimed and finished by the fetch job, read by the API. */
@Injectable()
export class InsideViewAlertsService {
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

  /** One INSERT for the tick's alerts, in key order (so concurrent batches never deadlock); the first of a repeated alert is the one that may add it. */
  private async enqueueMany(alerts: QueuedAlert[]): Promise<Array<boolean | Error>> {
    try {
      return await this.insertAlerts(alerts);
    } catch (error) {
      // One refused row (its subscription deleted meanwhile) must not fail the others: each alone.
      if (alerts.length === 1 || (error as { driverError?: { code?: string } }).driverError?.code !== '23503') throw error;
      return Promise.all(alerts.map((alert) => this.insertAlerts([alert]).then(([added]) => added, (failure: Error) => failure)));
    }
  }

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

  async list(query: ListAlertsQuery): Promise<AlertPage> {
    const [rows, total] = await this.alerts.findAndCount({
      where: {
        ...(query.state !== undefined && { state: query.state }),
        ...(query.subscriptionId !== undefined && { subscriptionId: query.subscriptionId }),
      },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: query.limit ?? 100,
      skip: query.offset ?? 0,
    });
    return { data: rows.map((row) => toAlertView(row)), total };
  }

  async get(id: string): Promise<AlertView> {
    return toAlertView(await this.findOrFail(id), true);
  }

  /** Puts a failed (or fetched) alert back in the queue with a fresh count of attempts. */
  async retry(id: string): Promise<AlertView> {
    const alert = await this.findOrFail(id);
    if (!(await this.alerts.manager.existsBy(Subscription, { ...NOT_DELETED, id: alert.subscriptionId }))) {
      throw new AppException(HttpStatus.CONFLICT, ErrorCode.AlertNotRetryable, 'Its subscription was deleted, at InsideView too: there is nothing left to fetch');
    }
    const result = await this.alerts.update(
      { id: alert.id, state: In([AlertFetchState.Failed, AlertFetchState.Fetched]) },
      { state: AlertFetchState.Pending, attempts: 0, nextAttemptAt: () => 'now()', leaseOwner: null, leaseExpiresAt: null },
    );
    if (!result.affected) {
      throw new AppException(HttpStatus.CONFLICT, ErrorCode.AlertNotRetryable, `The alert is ${alert.state}; only failed or fetched alerts can be retried`);
    }
    return toAlertView(await this.findOrFail(id), true);
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

  private async findOrFail(id: string): Promise<InsideViewAlert> {
    const alert = isUUID(id) ? await this.alerts.findOneBy({ id }) : null;
    if (!alert) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.AlertNotFound, `No InsideView alert ${id}`);
    return alert;
  }
}
