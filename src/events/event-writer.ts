import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { SubscriptionStatus } from '../subscriptions/subscription-status';

/** One event row as the ingest service prepared it. */
export interface EventRow {
  subscriptionId: string;
  vendor: string;
  eventType: string | null;
  dedupeKey: string;
  status: string;
  /** JSON text, or null when the event is accepted. */
  validationErrors: string | null;
  occurredAt: Date | null;
  /** JSON text of the stored headers. */
  headers: string;
  /** The raw body as text, stored as jsonb; null when jsonb cannot hold it. */
  payload: string | null;
  rawBody: Buffer;
  isTest: boolean;
  /** Whether a first delivery turns a pending subscription ACTIVE (not for vendors that own the status). */
  activate: boolean;
}

/** What became of a row: its event id and status, and whether it was there already. */
export interface StoredEvent {
  id: string;
  status: string;
  duplicate: boolean;
}

/** The subscription was deleted while the delivery was in flight. */
export class SubscriptionGoneError extends Error {}

/**
 * SQLSTATEs PostgreSQL raises when jsonb cannot hold a JSON text (\u0000, nesting past its stack
 * depth, sizes past its limits); the raw body is kept anyway.
 */
const JSONB_REJECTED = new Set(['22P05', '22P02', '22021', '22025', '54001', '54000']);
const FOREIGN_KEY_VIOLATION = '23503';

/** Writes event rows: one INSERT … ON CONFLICT DO NOTHING per row. */
@Injectable()
export class EventWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async write(row: EventRow): Promise<StoredEvent> {
    const inserted = await this.insert(row).catch((error: { driverError?: { code?: string } }) => {
      if (error.driverError?.code === FOREIGN_KEY_VIOLATION) throw new SubscriptionGoneError();
      if (!JSONB_REJECTED.has(error.driverError?.code ?? '')) throw error;
      return this.insert({ ...row, payload: null });
    });
    if (inserted) return { ...inserted, id: String(inserted.id), duplicate: false };
    const [existing] = await queryRows<{ id: string; status: string }>(
      this.dataSource,
      'SELECT id, status FROM webhook_events WHERE subscription_id = $1 AND dedupe_key = $2',
      [row.subscriptionId, row.dedupeKey],
    );
    if (!existing) throw new SubscriptionGoneError();
    return { id: String(existing.id), status: existing.status, duplicate: true };
  }

  /**
   * One statement, so one commit: the event row, and on the first authentic delivery the
   * subscription turning ACTIVE. last_event_at is refreshed at most once a minute to keep a hot
   * subscription row out of every insert's lock path.
   */
  private async insert(row: EventRow): Promise<{ id: string; status: string } | undefined> {
    const [inserted] = await queryRows<{ id: string; status: string }>(
      this.dataSource,
      `WITH inserted AS (
         INSERT INTO webhook_events
           (subscription_id, vendor, event_type, dedupe_key, status, validation_errors, occurred_at, headers, payload, raw_body, is_test, created_xid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, pg_current_xact_id()::text::bigint)
         ON CONFLICT (subscription_id, dedupe_key) DO NOTHING
         RETURNING id, status
       ), touched AS (
         UPDATE subscriptions
            SET status = CASE WHEN $12::boolean AND status = '${SubscriptionStatus.VerificationPending}' THEN '${SubscriptionStatus.Active}' ELSE status END,
                verified_at = CASE WHEN $12::boolean THEN COALESCE(verified_at, now()) ELSE verified_at END,
                last_event_at = now()
          WHERE id = $1
            AND EXISTS (SELECT 1 FROM inserted)
            AND (($12::boolean AND status = '${SubscriptionStatus.VerificationPending}') OR last_event_at IS NULL OR last_event_at < now() - interval '1 minute')
       )
       SELECT id, status FROM inserted`,
      [
        row.subscriptionId,
        row.vendor,
        row.eventType,
        row.dedupeKey,
        row.status,
        row.validationErrors,
        row.occurredAt,
        row.headers,
        row.payload,
        row.rawBody,
        row.isTest,
        row.activate,
      ],
    );
    return inserted;
  }
}
