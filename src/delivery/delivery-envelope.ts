/**
 * The `envelope` format of a delivered event, and the `raw` format's headers carrying the same
 * fields. Pure (no Nest, no database): the delivery worker and `npm run forward` both build what
 * they send from here, so a consumer sees one shape whichever sent it.
 */

/** What the envelope is made from: an event as the API shows it (EventView), or its row (Date times). */
export interface EnvelopeSource {
  id: string;
  vendor: string;
  subscriptionId: string | null;
  eventType: string | null;
  occurredAt: string | Date | null;
  receivedAt: string | Date;
  status: string;
  validationErrors: string[] | null;
  isTest: boolean;
  payload: unknown;
}

export interface DeliveryEnvelope {
  /** The event's id as the events API shows it; also the `webhook-id` header. */
  id: string;
  /** `<vendor>.<eventType>`, or the vendor alone for an event without a type. */
  type: string;
  vendor: string;
  subscriptionId: string | null;
  eventType: string | null;
  occurredAt: string | null;
  receivedAt: string;
  status: string;
  validationErrors: string[] | null;
  isTest: boolean;
  payload: unknown;
}

/** `<vendor>.<eventType>`: what a consumer switches on. */
export function envelopeType(vendor: string, eventType: string | null): string {
  return eventType === null || eventType === '' ? vendor : `${vendor}.${eventType}`;
}

function isoTime(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function toDeliveryEnvelope(event: EnvelopeSource): DeliveryEnvelope {
  return {
    id: String(event.id),
    type: envelopeType(event.vendor, event.eventType),
    vendor: event.vendor,
    subscriptionId: event.subscriptionId,
    eventType: event.eventType,
    occurredAt: event.occurredAt === null ? null : isoTime(event.occurredAt),
    receivedAt: isoTime(event.receivedAt),
    status: event.status,
    validationErrors: event.validationErrors,
    isTest: event.isTest,
    payload: event.payload,
  };
}

/** The envelope's body as sent: compact JSON, UTF-8. */
export function envelopeBody(event: EnvelopeSource): string {
  return JSON.stringify(toDeliveryEnvelope(event));
}

/** A vendor's value as a header value: printable ASCII as it is, anything else percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/** The `raw` format: the vendor's exact bytes as the body, and the envelope's other fields as these headers. */
export function rawFormatHeaders(event: EnvelopeSource): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gateway-vendor': event.vendor,
    'x-gateway-status': event.status,
    'x-gateway-test': String(event.isTest),
  };
  if (event.subscriptionId) headers['x-gateway-subscription-id'] = event.subscriptionId;
  if (event.eventType !== null) headers['x-gateway-event-type'] = headerSafe(event.eventType);
  return headers;
}
