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

/** A vendor's value as a header value: printable ASCII as it is, anything else percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** `envelope`: the event as JSON, the way the events API shows it. */
export function envelopeOf(event: DeliveredEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.eventType === null ? event.vendor : `${event.vendor}.${event.eventType}`,
    vendor: event.vendor,
    subscriptionId: event.subscriptionId,
    eventType: event.eventType,
    occurredAt: event.occurredAt ? event.occurredAt.toISOString() : null,
    receivedAt: event.receivedAt.toISOString(),
    status: event.status,
    validationErrors: event.validationErrors,
    isTest: event.isTest,
    payload: event.payload,
  };
}

/**
 * The body and content headers of an event's delivery: `envelope` (JSON) or `raw` (the vendor's
 * exact bytes with the vendor's Content-Type, the envelope's other fields as x-gateway-* headers).
 */
export function buildMessage(event: DeliveredEvent, format: DestinationFormat): DeliveryMessage {
  if (format === 'raw') {
    const headers: Record<string, string> = {
      'content-type': event.headers['content-type'] ?? 'application/json',
      'x-gateway-vendor': event.vendor,
      'x-gateway-status': event.status,
      'x-gateway-test': String(event.isTest),
    };
    if (event.subscriptionId) headers['x-gateway-subscription-id'] = event.subscriptionId;
    if (event.eventType !== null) headers['x-gateway-event-type'] = headerSafe(event.eventType);
    return { body: event.rawBody, headers };
  }
  return { body: Buffer.from(JSON.stringify(envelopeOf(event))), headers: { 'content-type': 'application/json' } };
}
