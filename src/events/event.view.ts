import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WebhookEventStatus, type WebhookEvent } from './webhook-event.entity';

/** An event as the API shows it. */
export class EventView {
  @ApiProperty({ description: 'Event id; ids grow, but read the feed with its cursor, not by id', example: '1042' })
  id: string;

  @ApiProperty({ description: 'The subscription it came through; null once that subscription is deleted', type: String, format: 'uuid', nullable: true })
  subscriptionId: string | null;

  @ApiProperty({ example: 'walnut' })
  vendor: string;

  @ApiProperty({ description: "The vendor's event type (Walnut: `event`; InsightArc: `signal`; visitor-tracking: the subscription's; InsideView: `alert`, then `alert.details` once the alert's details are fetched)", type: String, nullable: true, example: 'demo_session_finished' })
  eventType: string | null;

  @ApiProperty({ description: "`quarantined`: authentic, but not the vendor's documented shape", enum: WebhookEventStatus, enumName: 'WebhookEventStatus', example: WebhookEventStatus.Accepted })
  status: string;

  @ApiProperty({ description: 'What repeats of this event share (unique per subscription)', example: 'sha256:9f86d081884c7d65…' })
  dedupeKey: string;

  @ApiProperty({ description: 'Why the body did not match the documented shape (quarantined events)', type: [String], nullable: true, example: null })
  validationErrors: string[] | null;

  @ApiProperty({ description: "When the vendor says it happened (the payload's own time), ISO-8601", type: String, format: 'date-time', nullable: true })
  occurredAt: string | null;

  @ApiProperty({ description: 'When the gateway received it, ISO-8601', format: 'date-time' })
  receivedAt: string;

  @ApiProperty({ description: 'The non-secret request headers kept with the event', type: 'object', additionalProperties: { type: 'string' }, example: { 'content-type': 'application/json' } })
  headers: Record<string, string>;

  @ApiProperty({ description: "Sent by the gateway's test-event or simulate script; consumers may skip it", example: false })
  isTest: boolean;

  @ApiProperty({ description: 'The parsed body as received (a JSON value other than an object is quarantined); null only when PostgreSQL cannot hold it as JSON (rawBody has it)', type: 'object', additionalProperties: true, nullable: true })
  payload: unknown;

  @ApiPropertyOptional({ description: 'The exact bytes received, base64 (single-event reads only)', format: 'byte' })
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
