import { envelopeBody, rawFormatHeaders } from './delivery-envelope';
import type { DestinationFormat } from './destination.entity';

/** The event fields a delivery carries (as the claim reads them). */
export interface DeliveredEvent {
  id: string;
  subscriptionId: string | null;
  vendor: string;
  eventType: string | null;
  status: string;
  validationErrors: string[] | null;
  occurredAt: Date | null;
  receivedAt: Date;
  isTest: boolean;
  payload: unknown;
  rawBody: Buffer;
  /** The request headers kept with the event (content-type among them). */
  headers: Record<string, string>;
}

export interface DeliveryMessage {
  body: Buffer;
  /** Content-Type and, for `raw`, the x-gateway-* headers; the signature headers are added per attempt. */
  headers: Record<string, string>;
}

/**
 * The body and content headers of an event's delivery: `envelope` (JSON) or `raw` (the vendor's
 * exact bytes with the vendor's Content-Type, the envelope's other fields as x-gateway-* headers).
 */
export function buildMessage(event: DeliveredEvent, format: DestinationFormat): DeliveryMessage {
  if (format === 'raw') {
    return { body: event.rawBody, headers: { 'content-type': event.headers['content-type'] ?? 'application/json', ...rawFormatHeaders(event) } };
  }
  return { body: Buffer.from(envelopeBody(event)), headers: { 'content-type': 'application/json' } };
}
