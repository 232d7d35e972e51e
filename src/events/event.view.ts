import type { WebhookEvent } from './webhook-event.entity';

export interface EventView {
  id: string;
  subscriptionId: string | null;
  vendor: string;
  eventType: string | null;
  status: string;
  dedupeKey: string;
  validationErrors: string[] | null;
  occurredAt: string | null;
  receivedAt: string;
  headers: Record<string, string>;
  /** Sent by the gateway's test-event or simulate script; consumers may skip it. */
  isTest: boolean;
  payload: unknown;
  /** The exact bytes received, base64 (single-event reads only). */
  rawBody?: string;
}

export function toEventView(event: WebhookEvent, withRawBody = false): EventView {
  const view: EventView = {
    id: String(event.id),
    subscriptionId: event.subscriptionId,
    vendor: event.vendor,
    eventType: event.eventType,
    status: event.status,
    dedupeKey: event.dedupeKey,
    validationErrors: event.validationErrors,
    occurredAt: event.occurredAt ? event.occurredAt.toISOString() : null,
    receivedAt: event.receivedAt.toISOString(),
    headers: event.headers,
    isTest: event.isTest,
    payload: event.payload,
  };
  if (withRawBody) view.rawBody = event.rawBody.toString('base64');
  return view;
}
