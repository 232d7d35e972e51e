import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { inGrace } from '../subscriptions/secret-grace';
import { DestinationFilterDto } from './dto/destination-filter.dto';
import { HEALTH_WINDOW, healthState, type RecentAttempts } from './destination-health';
import { DestinationStatus, staticHeaders, type Destination } from './destination.entity';
import type { BlockedHead } from './ordering-heads';

/** With ordering `subscription`: a subscription's first pending delivery, tried and not delivered, holding back the rest of its subscription. */
export class BlockedHeadView {
  @ApiProperty({ description: 'The subscription it holds back (null: events with no subscription)', type: String, format: 'uuid', nullable: true })
  subscriptionId: string | null;

  @ApiProperty({ description: 'The event', example: '1042' })
  eventId: string;

  @ApiProperty({ description: 'Its delivery: retry it (POST /api/deliveries/{id}/retry) or skip it by cancelling it', example: '7731' })
  deliveryId: string;

  @ApiProperty({ description: 'Its first attempt: since when it holds the line', format: 'date-time' })
  since: string;

  @ApiProperty({ description: 'Attempts made so far', type: 'integer', example: 4 })
  attempts: number;

  @ApiProperty({ description: 'When it is tried next', format: 'date-time' })
  nextAttemptAt: string;

  @ApiProperty({ description: 'Its last answer: the status, null when none came', type: 'integer', nullable: true, example: 500 })
  lastStatusCode: number | null;

  @ApiProperty({ description: 'Its last answer: what went wrong', type: String, nullable: true, example: 'answered 500' })
  lastError: string | null;
}

/** How a destination is doing, from its attempts over a recent window and its state. */
export class DestinationHealth {
  @ApiProperty({ description: 'The window the figures cover: the attempts of the last hour', example: HEALTH_WINDOW.label })
  window: string;

  @ApiProperty({ description: 'Attempts made in the window', type: 'integer', example: 12 })
  attempts: number;

  @ApiProperty({ description: 'Attempts in the window answered 2xx', type: 'integer', example: 9 })
  succeeded: number;

  @ApiProperty({ description: 'Attempts in the window answered 429 or 503 with Retry-After: throttles, not counted against any delivery\'s retries', type: 'integer', example: 0 })
  throttled: number;

  @ApiProperty({ description: 'succeeded / attempts, 0 to 1; null when no attempt was made in the window', type: Number, nullable: true, example: 0.75 })
  successRate: number | null;

  @ApiProperty({ description: 'The last attempt answered 2xx in the window; null when none', type: String, format: 'date-time', nullable: true })
  lastSuccessAt: string | null;

  @ApiProperty({ description: 'The last failed attempt in the window; null when none', type: String, format: 'date-time', nullable: true })
  lastFailureAt: string | null;

  @ApiProperty({
    description: "Failed attempts in a row: those after the window's last success (all of the window's when none succeeded in it); `failingSince` says since when",
    type: 'integer',
    example: 3,
  })
  consecutiveFailures: number;

  @ApiProperty({ description: 'The first failed attempt since the last success, however long ago; null while it succeeds', type: String, format: 'date-time', nullable: true })
  failingSince: string | null;

  @ApiProperty({ description: 'Nothing is sent before this time (from a 429 or 503 with Retry-After); null when not throttled now', type: String, format: 'date-time', nullable: true })
  throttledUntil: string | null;

  @ApiProperty({
    description:
      '`paused` (by an operator) and `disabled` (by the gateway) first; `throttled` while a Retry-After is in force; `failing` when its last attempt failed ' +
      'or no attempt in the window succeeded; `idle` when no attempt was made in the window; else `healthy`',
    enum: ['healthy', 'failing', 'throttled', 'idle', 'paused', 'disabled'],
    enumName: 'DestinationHealthState',
    example: 'healthy',
  })
  state: string;
}

/** A destination as the API shows it: never its signing secret, and only the names of its static headers. */
export class DestinationView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Orders service' })
  name: string;

  @ApiProperty({ example: 'https://orders.internal/hooks/gateway' })
  url: string;

  @ApiProperty({ description: 'As given (fields left out match anything; statuses default to accepted, test events are left out unless includeTest)', type: () => DestinationFilterDto })
  filter: DestinationFilterDto;

  @ApiProperty({ enum: ['envelope', 'raw'] })
  format: string;

  @ApiProperty({ description: 'Names of the static headers sent with every attempt (their values are never shown)', type: [String], example: ['Authorization'] })
  headerNames: string[];

  @ApiProperty({ enum: ['none', 'subscription'] })
  ordering: string;

  @ApiProperty({ description: 'With ordering `subscription`: seconds one event may hold back the rest of its subscription before it is failed; null: no bound', type: 'integer', nullable: true, example: null })
  orderingMaxHoldSeconds: number | null;

  @ApiProperty({ type: 'integer', example: 10 })
  maxConcurrency: number;

  @ApiProperty({ description: 'Null: unlimited', type: 'integer', nullable: true, example: null })
  rateLimitPerSecond: number | null;

  @ApiProperty({ type: 'integer', example: 15000 })
  timeoutMs: number;

  @ApiProperty({
    description: '`paused` by an operator, `disabled` by the gateway (a 410, or failing for DESTINATION_DISABLE_AFTER); events queue up meanwhile and flow on resume',
    enum: DestinationStatus,
    enumName: 'DestinationStatus',
  })
  status: string;

  @ApiProperty({ description: 'Why the gateway disabled it', type: String, nullable: true, example: null })
  disabledReason: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt: string | null;

  @ApiProperty({ description: 'Nothing is sent before this time (from a 429 or 503 with Retry-After)', type: String, format: 'date-time', nullable: true })
  throttledUntil: string | null;

  @ApiProperty({ description: 'Until when the previous signing secret signs too, after a rotation with a grace', type: String, format: 'date-time', nullable: true })
  previousSecretExpiresAt: string | null;

  @ApiProperty({ description: 'Deliveries still pending (queued or being retried)', type: 'integer', example: 0 })
  backlog: number;

  @ApiProperty({ description: 'When the oldest pending delivery was queued: how long the backlog has waited', type: String, format: 'date-time', nullable: true, example: null })
  oldestPendingAt: string | null;

  @ApiProperty({ description: 'How it is doing: success over the last hour of attempts, failures in a row, throttle; `status` alone says only whether it is switched on', type: () => DestinationHealth })
  health: DestinationHealth;

  @ApiPropertyOptional({
    description: 'GET /api/destinations/{id} only (empty unless ordering is `subscription`): each subscription whose first pending delivery has been tried and not delivered, holding back the rest',
    type: () => [BlockedHeadView],
  })
  blockedHeads?: BlockedHeadView[];

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** The answer that reveals the signing secret: creation and rotation only. */
export class DestinationWithSecret extends DestinationView {
  @ApiProperty({
    description: 'The Standard Webhooks signing secret, **shown this once**: give it to the consumer, which verifies each request with it',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4yKpVpmyNtI=',
  })
  signingSecret: string;
}

export class DestinationPage {
  @ApiProperty({ type: [DestinationView] })
  data: DestinationView[];

  @ApiProperty({ type: 'integer' })
  total: number;
}

export class TestPingReport {
  @ApiProperty({ description: 'True when it answered 2xx', example: true })
  ok: boolean;

  @ApiProperty({ description: 'The status answered; null when no answer came (DNS, connection, timeout)', type: 'integer', nullable: true, example: 200 })
  status: number | null;

  @ApiProperty({ type: 'integer', example: 12 })
  durationMs: number;

  @ApiProperty({ description: "The first 4 KB of the answer's body", type: String, nullable: true, example: 'ok' })
  response: string | null;

  @ApiPropertyOptional({ description: 'Why no answer came', type: String, nullable: true, example: null })
  error: string | null;
}

export class ReplayResult {
  @ApiProperty({ description: 'Events matching both the replay filters and the destination filter: re-queued, or (dryRun) that would be', type: 'integer', example: 42 })
  count: number;
}

export function toDestinationView(
  destination: Destination,
  backlog: number,
  oldestPendingAt: Date | null,
  recent: RecentAttempts,
  now = new Date(),
  blocked?: BlockedHead[],
): DestinationView {
  return {
    id: destination.id,
    name: destination.name,
    url: destination.url,
    filter: destination.filter,
    format: destination.format,
    headerNames: Object.keys(staticHeaders(destination)),
    ordering: destination.ordering,
    orderingMaxHoldSeconds: destination.orderingMaxHoldSeconds ?? null,
    maxConcurrency: destination.maxConcurrency,
    rateLimitPerSecond: destination.rateLimitPerSecond,
    timeoutMs: destination.timeoutMs,
    status: destination.status,
    disabledReason: destination.disabledReason,
    disabledAt: iso(destination.disabledAt),
    throttledUntil: iso(destination.throttledUntil),
    previousSecretExpiresAt: iso(inGrace(destination.previousSigningSecret, destination.previousSecretExpiresAt) ? destination.previousSecretExpiresAt : null),
    backlog,
    oldestPendingAt: iso(oldestPendingAt),
    health: toHealth(destination, recent, now),
    ...(blocked && {
      blockedHeads: blocked.map((head) => ({
        subscriptionId: head.subscriptionId,
        eventId: head.eventId,
        deliveryId: head.deliveryId,
        since: head.since.toISOString(),
        attempts: head.attempts,
        nextAttemptAt: head.nextAttemptAt.toISOString(),
        lastStatusCode: head.lastStatusCode,
        lastError: head.lastError,
      })),
    }),
    createdAt: destination.createdAt.toISOString(),
    updatedAt: destination.updatedAt.toISOString(),
  };
}

function toHealth(destination: Destination, recent: RecentAttempts, now: Date): DestinationHealth {
  return {
    window: HEALTH_WINDOW.label,
    attempts: recent.attempts,
    succeeded: recent.succeeded,
    throttled: recent.throttled,
    successRate: recent.attempts > 0 ? Math.round((recent.succeeded / recent.attempts) * 1000) / 1000 : null,
    lastSuccessAt: iso(recent.lastSuccessAt),
    lastFailureAt: iso(recent.lastFailureAt),
    consecutiveFailures: recent.failuresSinceSuccess,
    failingSince: iso(destination.failingSince),
    throttledUntil: destination.throttledUntil && destination.throttledUntil > now ? destination.throttledUntil.toISOString() : null,
    state: healthState(destination, recent, now),
  };
}

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}
