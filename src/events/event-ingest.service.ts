import type { IncomingHttpHeaders } from 'node:http';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { plainToInstance } from 'class-transformer';
import { MAX_VALIDATED_DEPTH, nestedDeeperThan } from './payload-fields';
import { validate, type ValidationError } from 'class-validator';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { bodyHashKey } from './dedupe-key';
import { EventWriter, SubscriptionGoneError, type EventRow } from './event-writer';
import { isTestDelivery } from './test-delivery';
import type { WebhookReceipt } from './webhook-receipt';
import { WebhookEventStatus } from './webhook-event.entity';

export interface AuthenticDelivery {
  subscription: Subscription;
  rawBody: Buffer;
  payload: unknown;
  headers: IncomingHttpHeaders;
}

/** Request headers kept with every event (unless the subscription authenticates with one of them). */
export const STORED_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'x-forwarded-for'];

/** Stores authentic deliveries exactly once: validated, deduplicated, quarantined when off-shape. */
@Injectable()
export class EventIngestService {
  constructor(private readonly writer: EventWriter) {}

  async ingest(vendor: VendorDefinition, delivery: AuthenticDelivery): Promise<WebhookReceipt> {
    const { subscription, rawBody, payload } = delivery;
    const validationErrors = await this.validate(vendor, payload, subscription);
    const dedupeKey = vendor.dedupeKey?.(payload, subscription) ?? bodyHashKey(rawBody);
    const row: EventRow = {
      subscriptionId: subscription.id,
      vendor: vendor.name,
      eventType: vendor.eventType(payload, subscription),
      dedupeKey,
      status: validationErrors.length > 0 ? WebhookEventStatus.Quarantined : WebhookEventStatus.Accepted,
      validationErrors: validationErrors.length > 0 ? JSON.stringify(validationErrors) : null,
      occurredAt: vendor.occurredAt(payload),
      headers: JSON.stringify(this.pickHeaders(subscription, delivery.headers)),
      payload: payloadText(rawBody, delivery.headers['content-type'], payload),
      rawBody,
      isTest: isTestDelivery(delivery.headers),
      // A vendor that owns the status is mirrored, never activated by a delivery.
      activate: !vendor.ownsStatus,
    };
    try {
      const stored = await this.writer.write(row);
      return { received: true, eventId: stored.id, duplicate: stored.duplicate, quarantined: stored.status === WebhookEventStatus.Quarantined };
    } catch (error) {
      // Neither stored nor found: the subscription was deleted while this request was in flight.
      if (error instanceof SubscriptionGoneError) {
        throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No ${vendor.name} subscription ${subscription.id}`);
      }
      throw error;
    }
  }

  private async validate(vendor: VendorDefinition, payload: unknown, subscription: Subscription): Promise<string[]> {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return ['the body must be a JSON object'];
    }
    if (nestedDeeperThan(payload, MAX_VALIDATED_DEPTH)) {
      return [`the body nests deeper than ${MAX_VALIDATED_DEPTH} levels`];
    }
    const instance = plainToInstance(vendor.dto, payload);
    const errors = await validate(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    return [...flatten(errors), ...(vendor.payloadProblems?.(payload, subscription) ?? [])];
  }

  /** Non-secret headers only: whatever a subscription authenticates with is never stored, whatever its name. */
  private pickHeaders(subscription: Subscription, headers: IncomingHttpHeaders): Record<string, string> {
    const signatureHeader = subscription.signature.header?.toLowerCase();
    const requiredHeaders = Object.keys(subscription.requiredHeaders);
    const isSecret = (name: string) => name === signatureHeader || requiredHeaders.some((required) => required.toLowerCase() === name);
    const picked: Record<string, string> = {};
    for (const name of STORED_HEADERS) {
      if (isSecret(name)) continue;
      const value = headers[name];
      if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return picked;
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * The JSON text stored as the event's jsonb payload (the raw bytes are kept apart, as received).
 * UTF-8, the norm for JSON, is stored as sent, less a byte-order mark: JSON parsers skip one, jsonb
 * refuses it. Another Unicode charset the parser accepted (UTF-16, …) is stored as it was parsed.
 */
function payloadText(rawBody: Buffer, contentType: string | undefined, payload: unknown): string | null {
  const charset = CHARSET.exec(contentType ?? '')?.[1].toLowerCase() ?? 'utf-8';
  if (charset === 'utf-8' || charset === 'utf8') {
    return (rawBody.subarray(0, 3).equals(UTF8_BOM) ? rawBody.subarray(3) : rawBody).toString('utf8');
  }
  try {
    return JSON.stringify(payload) ?? null;
  } catch {
    return null; // nested too deep to serialise: the raw body still has it
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
