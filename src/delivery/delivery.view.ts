import { ApiProperty, PickType } from '@nestjs/swagger';
import { DestinationView } from './destination.view';
import type { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryState, type Delivery } from './delivery.entity';

/** The destination a delivery goes to, named so a reader need not look it up. */
export class DeliveryDestinationRef extends PickType(DestinationView, ['id', 'name', 'url'] as const) {
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

  @ApiProperty({
    description:
      '`pending`: queued, being attempted or waiting for a retry; `delivered`; `failed`: out of attempts, too old, or answered 410 Gone ' +
      '(the dead letter; `lastError` says which); `cancelled`: ended by an operator or by deleting its destination. Failed and cancelled ones are kept for retry and replay',
    enum: DeliveryState,
    enumName: 'DeliveryState',
  })
  state: string;

  @ApiProperty({
    description:
      'Attempts of this round: counted against the retry schedule since it was queued, or last retried or replayed (0 again then). ' +
      'A throttled answer (429, 503 with Retry-After) is not counted here but in `throttles`',
    type: 'integer',
    example: 1,
  })
  attempts: number;

  @ApiProperty({ description: 'Every attempt ever made, across retries and replays, throttled ones too: the entries of its attempt log', type: 'integer', example: 6 })
  totalAttempts: number;

  @ApiProperty({
    description: 'Answers 429 or 503 with Retry-After, ever: counted apart from `attempts` (DELIVERY_MAX_AGE_SECONDS still ends a delivery throttled for too long), and among `totalAttempts`',
    type: 'integer',
    example: 0,
  })
  throttles: number;

  @ApiProperty({ description: 'When it is next due; null unless pending', type: String, format: 'date-time', nullable: true })
  nextAttemptAt: string | null;

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

  @ApiProperty({ description: 'Answered 429 or 503 with Retry-After: a throttle, not counted in `attempts`', example: false })
  throttled: boolean;
}

export class DeliveryDetail extends DeliveryView {
  @ApiProperty({ description: 'Every attempt, oldest first', type: [DeliveryAttemptView] })
  attemptLog: DeliveryAttemptView[];
}

/** What a cancel by filter ended, or (dryRun) would end. */
export class CancelResult {
  @ApiProperty({ description: "The destination's pending deliveries whose event matches the filters: cancelled, or (dryRun) that would be", type: 'integer', example: 42 })
  count: number;
}

export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] })
  data: DeliveryView[];

  @ApiProperty({ description: 'Pass back as `cursor` for the next (older) page; null on the last page', type: String, nullable: true, example: '940' })
  nextCursor: string | null;
}

/**
 * @param delivery loaded with its destination's id, name, url and deletedAt (see DeliveriesService)
 * @param totalAttempts the entries of its attempt log
 */
export function toDeliveryView(delivery: Delivery, totalAttempts: number): DeliveryView {
  const destination = delivery.destination!;
  return {
    id: String(delivery.id),
    destinationId: delivery.destinationId,
    destination: { id: destination.id, name: destination.name, url: destination.url, deleted: destination.deletedAt !== null },
    eventId: String(delivery.eventId),
    state: delivery.state,
    attempts: delivery.attempts,
    totalAttempts,
    throttles: delivery.throttles,
    // The column keeps its last value once delivered or failed: it says nothing then.
    nextAttemptAt: delivery.state === DeliveryState.Pending ? delivery.nextAttemptAt.toISOString() : null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt ? delivery.deliveredAt.toISOString() : null,
  };
}

/** @param staticHeaders its destination's static headers, whose values never come back (see redactStaticHeaders) */
export function toAttemptView(attempt: DeliveryAttempt, staticHeaders: Record<string, string>): DeliveryAttemptView {
  return {
    at: attempt.at.toISOString(),
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    responseHeaders: Object.fromEntries(Object.entries(attempt.responseHeaders).map(([name, value]) => [name, redactStaticHeaders(value, staticHeaders)])),
    responseBody: attempt.responseBody === null ? null : redactStaticHeaders(attempt.responseBody, staticHeaders),
    error: attempt.error,
    throttled: attempt.throttled,
  };
}

/** Shorter static header values are no credential, and hiding them would garble the text they occur in. */
const MIN_REDACTED_LENGTH = 4;

/**
 * `text` (what a destination answered) with every static header value in it, as sent or as a JSON
 * string would escape it, replaced by `[redacted]`, and the start of one it was cut off in (answers
 * keep their first 4 KB): the values are never shown, so an endpoint that echoes its request must not
 * hand them back through the attempt log or a test ping.
 */
export function redactStaticHeaders(text: string, staticHeaders: Record<string, string>): string {
  const values = Object.values(staticHeaders)
    .flatMap((value) => [value, JSON.stringify(value).slice(1, -1)])
    .filter((value) => value.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length);
  const redacted = values.reduce((result, value) => result.split(value).join('[redacted]'), text);
  for (const value of values) {
    for (let length = value.length - 1; length >= MIN_REDACTED_LENGTH; length -= 1) {
      if (redacted.endsWith(value.slice(0, length))) return `${redacted.slice(0, -length)}[redacted]`;
    }
  }
  return redacted;
}
