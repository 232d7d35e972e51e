import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { DataSource } from 'typeorm';
import { SubscriptionStatus } from '../subscriptions/subscription-status';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { queryRows } from '../database/query-rows';
import { isTestDelivery } from './test-delivery';
import type { WebhookReceipt } from './webhook-receipt';
import { WebhookEventStatus } from './webhook-event.entity';

export interface AuthenticDelivery {
  subscription: Subscription;
  rawBody: Buffer;
  payload: unknown;
  headers: IncomingHttpHeaders;
}

const ALWAYS_STORED_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'x-forwarded-for'];
/** SQLSTATEs PostgreSQL raises when jsonb cannot hold a JSON text (e.g. \u0000); the raw body is kept anyway. */
const JSONB_REJECTED = new Set(['22P05', '22P02', '22021', '22025']);
const FOREIGN_KEY_VIOLATION = '23503';

/** Stores authentic deliveries exactly once: validated, deduplicated, quarantined when off-shape. */
@Injectable()
export class EventIngestService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ingest(vendor: VendorDefinition, delivery: AuthenticDelivery): Promise<WebhookReceipt> {
    const { subscription, rawBody, payload } = delivery;
    const validationErrors = await this.validate(vendor, payload);
    const dedupeKey = vendor.dedupeKey?.(payload, subscription) ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    const row = [
      subscription.id,
      vendor.name,
      vendor.eventType(payload, subscription),
      dedupeKey,
      validationErrors.length > 0 ? WebhookEventStatus.Quarantined : WebhookEventStatus.Accepted,
      validationErrors.length > 0 ? JSON.stringify(validationErrors) : null,
      vendor.occurredAt(payload),
      JSON.stringify(this.pickHeaders(vendor, subscription, delivery.headers)),
      rawBody.toString('utf8'),
      rawBody,
      isTestDelivery(delivery.headers),
      // A vendor that owns the status (InsideView) is mirrored, never activated by a delivery.
      vendor.sync === undefined,
    ];
    const inserted = await this.insert(row).catch((error: { driverError?: { code?: string } }) => {
      if (error.driverError?.code === FOREIGN_KEY_VIOLATION) throw this.deletedMeanwhile(vendor, subscription);
      if (!JSONB_REJECTED.has(error.driverError?.code ?? '')) throw error;
      return this.insert(row.map((value, index) => (index === 8 ? null : value)));
    });
    if (inserted) return this.receipt(inserted, false);
    const [existing] = await queryRows<{ id: string; status: string }>(this.dataSource, 
      'SELECT id, status FROM webhook_events WHERE subscription_id = $1 AND dedupe_key = $2',
      [subscription.id, dedupeKey],
    );
    if (!existing) throw this.deletedMeanwhile(vendor, subscription);
    return this.receipt(existing, true);
  }

  /** Neither stored nor found: the subscription was deleted while this request was in flight. */
  private deletedMeanwhile(vendor: VendorDefinition, subscription: Subscription): AppException {
    return new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No ${vendor.name} subscription ${subscription.id}`);
  }

  /**
   * One statement, so one commit: the event row, and on the first authentic delivery the
   * subscription turning ACTIVE. last_event_at is refreshed at most once a minute to keep a hot
   * subscription row out of every insert's lock path.
   */
  private async insert(row: unknown[]): Promise<{ id: string; status: string } | undefined> {
    const [inserted] = await queryRows<{ id: string; status: string }>(this.dataSource, 
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
      row,
    );
    return inserted;
  }

  private async validate(vendor: VendorDefinition, payload: unknown): Promise<string[]> {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return ['the body must be a JSON object'];
    }
    const instance = plainToInstance(vendor.dto, payload);
    const errors = await validate(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    return flatten(errors);
  }

  /** Non-secret headers only: whatever a subscription authenticates with is never stored, whatever its name. */
  private pickHeaders(vendor: VendorDefinition, subscription: Subscription, headers: IncomingHttpHeaders): Record<string, string> {
    const secret = new Set([subscription.signature.header ?? '', ...Object.keys(subscription.requiredHeaders)].map((name) => name.toLowerCase()));
    const picked: Record<string, string> = {};
    for (const name of [...ALWAYS_STORED_HEADERS, ...(vendor.storedHeaders ?? [])]) {
      if (secret.has(name)) continue;
      const value = headers[name];
      if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return picked;
  }

  private receipt(row: { id: string; status: string }, duplicate: boolean): WebhookReceipt {
    return { received: true, eventId: String(row.id), duplicate, quarantined: row.status === WebhookEventStatus.Quarantined };
  }
}

/** Nested class-validator errors as readable lines: `data.demo.id must be a string`. */
function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, path));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
