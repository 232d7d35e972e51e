import { ApiProperty } from '@nestjs/swagger';
import type { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryState, type Delivery } from './delivery.entity';

/** The destination a delivery goes to, named so a reader need not look it up. */
export class DeliveryDestinationRef {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Orders service' })
  name: string;

  @ApiProperty({ example: 'https://orders.internal/hooks/gateway' })
  url: string;

  @ApiProperty({ description: 'Deleted since: its deliveries are kept for the record, and it answers 404', example: false })
  deleted: boolean;
}

/** One event to one destination. */
export class DeliveryView {
  @ApiProperty({ example: '981' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  destinationId: string;

  @ApiProperty({ type: () => DeliveryDestinationRef })
  destination: DeliveryDestinationRef;

  @ApiProperty({ description: 'The event id, as the events API shows it (and as sent in webhook-id)', example: '1042' })
  eventId: string;

  @ApiProperty({ description: '`failed`: out of attempts or too old (the dead letter); kept for retry and replay', enum: DeliveryState, enumName: 'DeliveryState' })
  state: string;

  @ApiProperty({ description: 'Attempts made since it was queued (or last retried)', type: 'integer', example: 1 })
  attempts: number;

  @ApiProperty({ description: 'When it is next due (pending only)', format: 'date-time' })
  nextAttemptAt: string;

  @ApiProperty({ type: 'integer', nullable: true, example: 200 })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  lastError: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt: string | null;
}

/** One POST and what came of it. */
export class DeliveryAttemptView {
  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ description: 'Null when no answer came (timeout, connection, DNS)', type: 'integer', nullable: true, example: 500 })
  statusCode: number | null;

  @ApiProperty({ type: 'integer', example: 35 })
  durationMs: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { 'content-type': 'text/plain' } })
  responseHeaders: Record<string, string>;

  @ApiProperty({ description: "The first 4 KB of the answer's body", type: String, nullable: true, example: 'internal error' })
  responseBody: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  error: string | null;
}

export class DeliveryDetail extends DeliveryView {
  @ApiProperty({ description: 'Every attempt, oldest first', type: [DeliveryAttemptView] })
  attemptLog: DeliveryAttemptView[];
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] })
  data: DeliveryView[];

  @ApiProperty({ description: 'Pass back as `cursor` for the next (older) page; null on the last page', type: String, nullable: true, example: '940' })
  nextCursor: string | null;
}

/** @param delivery loaded with its destination's id, name, url and deletedAt (see DeliveriesService) */
export function toDeliveryView(delivery: Delivery): DeliveryView {
  const destination = delivery.destination!;
  return {
    id: String(delivery.id),
    destinationId: delivery.destinationId,
    destination: { id: destination.id, name: destination.name, url: destination.url, deleted: destination.deletedAt !== null },
    eventId: String(delivery.eventId),
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt.toISOString(),
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt ? delivery.deliveredAt.toISOString() : null,
  };
}

export function toAttemptView(attempt: DeliveryAttempt): DeliveryAttemptView {
  return {
    at: attempt.at.toISOString(),
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    responseHeaders: attempt.responseHeaders,
    responseBody: attempt.responseBody,
    error: attempt.error,
  };
}
