import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { In, Repository } from 'typeorm';
import { AppException } from '../../common/app.exception';
import { ErrorCode } from '../../common/error-code';
import { stringAt } from '../../events/payload-fields';
import type { Subscription } from '../../subscriptions/subscription.entity';
import type { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertFetchState, InsideViewAlert } from './insideview-alert.entity';
import { toAlertView, type AlertPage, type AlertView } from './insideview-alert.view';
import { parseInsideViewDate } from './insideview-date';
import { queryRows } from '../../database/query-rows';


/** The alert queue: rows made from notifications, claimed and finished by the fetch job, read by the API. */
@Injectable()
export class InsideViewAlertsService {
  constructor(@InjectRepository(InsideViewAlert) private readonly alerts: Repository<InsideViewAlert>) {}

  /**
   * Queues an alert for fetching; a repeat notification queues nothing. Called for new and for
   * duplicate deliveries alike, so an alert whose event committed just before a crash is still
   * queued when InsideView retries. Returns whether a row was added.
   */
  async enqueue(subscription: Subscription, eventId: string, payload: unknown): Promise<boolean> {
    const alertId = stringAt(payload, 'alertId', 100);
    if (!alertId || !subscription.vendorRef) return false;
    const rows = await queryRows(this.alerts.manager.connection, 
      `INSERT INTO insideview_alerts (subscription_id, event_id, alert_id, vendor_subscription_id, alert_date, alert_type)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (subscription_id, alert_id) DO NOTHING
       RETURNING id`,
      [subscription.id, eventId, alertId, subscription.vendorRef, parseInsideViewDate(stringAt(payload, 'date')), stringAt(payload, 'type', 64)],
    );
    return rows.length > 0;
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

  /** Leases up to `limit` due alerts (pending, or fetching with an expired lease) to `owner`. */
  claim(owner: string, limit: number, leaseSeconds: number): Promise<Array<Pick<InsideViewAlert, 'id' | 'alertId' | 'vendorSubscriptionId' | 'attempts'>>> {
    return queryRows(this.alerts.manager.connection, 
      `UPDATE insideview_alerts
          SET state = '${AlertFetchState.Fetching}', lease_owner = $1, lease_expires_at = now() + $2 * interval '1 second',
              attempts = attempts + 1, updated_at = now()
        WHERE id IN (
          SELECT id FROM insideview_alerts
           WHERE (state = '${AlertFetchState.Pending}' AND next_attempt_at <= now())
              OR (state = '${AlertFetchState.Fetching}' AND lease_expires_at < now())
           ORDER BY next_attempt_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING id, alert_id AS "alertId", vendor_subscription_id AS "vendorSubscriptionId", attempts`,
      [owner, leaseSeconds, limit],
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
