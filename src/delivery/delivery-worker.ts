import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { IntervalJob } from '../common/interval-job';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { TickBatcher } from '../events/tick-batcher';
import { DELIVERY_CONFIG, LEASE_MARGIN_SECONDS, type DeliveryConfig } from './delivery.config';
import { DeliveryState } from './delivery.entity';
import { claimStatement } from './delivery-claim';
import { DeliveryFanout } from './delivery-fanout';
import { DeliveryHttp, type AttemptResult } from './delivery-http';
import { buildMessage, type DeliveredEvent } from './delivery-message';
import { DeliveryMetrics } from './delivery-metrics';
import { decideOutcome, describeAttempt, type AttemptOutcome, type AttemptOutcomeKind } from './delivery-outcome';
import { signatureHeaders, validSigningSecrets } from './delivery-signer';
import { Destination, DestinationStatus, staticHeaders } from './destination.entity';
import { DestinationShares } from './destination-share';
import { IngestPriority } from './ingest-priority';

const JOB = 'delivery-worker';
/** Most deliveries claimed from one destination by one statement. */
const CLAIM_BATCH = 100;
/** How long a graceful stop waits for attempts in flight before it aborts them and gives their leases back. */
const STOP_WAIT_MS = 5_000;
const ERROR_LENGTH = 500;
/** Longest the worker keeps its list of active destinations (see activeDestinations). */
const DESTINATIONS_TTL_MS = 1_000;

/** A delivery as the claim returns it: its lease, its claimed count of attempts and its event. */
interface ClaimedRow {
  id: string;
  /** The claim's own token in leased_by: never given twice, so no other claim's outcome can match it. */
  lease: string;
  attempts: number;
  /** The first attempt of this round (this one, if attempts is 1). */
  round_started_at: Date;
  /** Ordering `subscription` with orderingMaxHoldSeconds, read under the claim's row lock; else null. */
  hold_seconds: number | null;
  event_id: string;
  subscription_id: string | null;
  vendor: string;
  event_type: string | null;
  status: string;
  validation_errors: string[] | null;
  occurred_at: Date | null;
  received_at: Date;
  is_test: boolean;
  payload: unknown;
  raw_body: Buffer;
  headers: Record<string, string> | null;
}

/** One finished attempt, written with others of its tick in one statement. */
interface Finish {
  deliveryId: string;
  destinationId: string;
  lease: string;
  result: AttemptResult;
  outcome: AttemptOutcome;
  at: Date;
}

/**
 * Claims due deliveries, per destination under its row lock so max_concurrency and the rate limit
 * hold across instances, then posts them outside any transaction, signed (Standard Webhooks), and
 * records each outcome only while the lease is still ours (leased_by holds a token that each claim makes anew).
 * Outcomes are written in batches (TickBatcher): one statement for every attempt finished in a tick.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Delivery');
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 64);
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly finisher = new TickBatcher<Finish, boolean>((rows) => this.writeFinishes(rows), { maxItems: 500, maxInFlight: 2 });
  private destinationCache?: { at: number; list: Destination[] };
  private rotation = 0;
  private readonly job: IntervalJob;
  /** Each destination's share of this instance's slots, so bad destinations cannot starve the others. */
  private readonly shares: DestinationShares;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Destination) private readonly destinations: Repository<Destination>,
    private readonly fanout: DeliveryFanout,
    private readonly metrics: DeliveryMetrics,
    scheduler: SchedulerRegistry,
    private readonly http: DeliveryHttp,
    private readonly priority: IngestPriority,
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
  ) {
    this.shares = new DestinationShares(config.concurrency);
    this.job = new IntervalJob(scheduler, JOB, () => this.pump(), (error) => this.logger.warn(`Delivery pass failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    if (!this.config.worker) {
      // DELIVERY_WORKER=off: no pass ever runs here; other instances send.
      void this.job.stop();
      return;
    }
    this.priority.onChange(() => this.wake());
    this.fanout.onQueued((destinationId) => {
      // A destination this instance has not read yet (just created, or just resumed): read them again.
      if (this.destinationCache && !this.destinationCache.list.some((destination) => destination.id === destinationId)) this.destinationCache = undefined;
      this.wake();
    });
    this.job.start(this.config.pollMs, () => this.wake());
    this.wake();
  }

  /**
   * Graceful stop: claims nothing more, waits up to STOP_WAIT_MS for the attempts in flight, then
   * aborts the rest and gives their leases back (and their attempt), so another instance sends them at once.
   */
  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
    const attempts = () => Promise.allSettled([...this.inFlight.values()].map((attempt) => attempt.done));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([attempts().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS)))]);
    clearTimeout(timer);
    if (!finished) for (const attempt of this.inFlight.values()) attempt.abort.abort();
    await attempts();
    this.http.close();
  }

  /** Claims and sends now (or right after the pass in progress). */
  wake(): void {
    void this.job.run({ again: true });
  }

  /**
   * Claims from every active destination while this instance has room, until nothing is due. Room is
   * what DELIVERY_CONCURRENCY leaves, and while webhooks saturate the instance what IngestPriority allows;
   * each destination claims no more than its share of it (DestinationShares).
   */
  private async pump(): Promise<void> {
    while (!this.job.stopping) {
      let room = Math.min(this.config.concurrency - this.inFlight.size, this.priority.allowance());
      if (room <= 0) return;
      const destinations = await this.activeDestinations();
      // The slots are shared among the destinations that have something to send (idle ones need none),
      // read afresh each pass: a burst queued for many destinations at once is shared from its first claim.
      const withBacklog = destinations.length > 1 ? await this.destinationsWithBacklog() : new Set<string>();
      const contending = destinations.filter((destination) => withBacklog.has(destination.id)).length;
      // Each pass starts one destination further on, so when room is short (a busy instance, or one
      // yielding to webhooks) the first in the list does not take it every time.
      const first = destinations.length ? this.rotation++ % destinations.length : 0;
      let claimed = 0;
      for (const destination of [...destinations.slice(first), ...destinations.slice(0, first)]) {
        if (this.job.stopping || room <= 0) break;
        if (destination.throttledUntil && destination.throttledUntil > new Date()) continue;
        const share = this.shares.room(destination.id, contending + (withBacklog.has(destination.id) ? 0 : 1));
        if (share <= 0) continue;
        const rows = await this.claim(destination, Math.min(room, CLAIM_BATCH, share));
        for (const row of rows) this.start(destination, row);
        this.priority.spend(rows.length);
        claimed += rows.length;
        room -= rows.length;
      }
      if (claimed === 0) return;
    }
  }

  /**
   * The active destinations (settings and decrypted secrets), read again once DESTINATIONS_TTL_MS
   * (or a poll) old, or when the fan-out queues for one not among them: a busy worker claims after
   * every batch of outcomes, and reading every destination each time would cost more than the
   * claim. Whether one may be sent to is decided by the claim itself (under its row lock), so a
   * pause stops it at once; a new URL, headers or secret apply within a second.
   */
  private async activeDestinations(): Promise<Destination[]> {
    if (!this.destinationCache || Date.now() - this.destinationCache.at >= Math.min(this.config.pollMs, DESTINATIONS_TTL_MS)) {
      const list = await this.destinations.find({ where: { status: DestinationStatus.Active, deletedAt: IsNull() }, order: { id: 'ASC' } });
      this.destinationCache = { at: Date.now(), list };
      this.shares.keepOnly(new Set(list.map((destination) => destination.id)));
    }
    return this.destinationCache.list;
  }

  /**
   * The destinations with pending deliveries: a skip scan over IDX_deliveries_ordering (its first
   * column is destination_id, and it holds only pending rows), one index probe per destination, so
   * it costs the same at any backlog.
   */
  private async destinationsWithBacklog(): Promise<Set<string>> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `WITH RECURSIVE pending (id) AS (
         (SELECT destination_id FROM deliveries WHERE state = '${DeliveryState.Pending}' ORDER BY destination_id LIMIT 1)
         UNION ALL
         SELECT (SELECT n.destination_id FROM deliveries n WHERE n.state = '${DeliveryState.Pending}' AND n.destination_id > p.id ORDER BY n.destination_id LIMIT 1)
           FROM pending p WHERE p.id IS NOT NULL
       )
       SELECT id::text AS id FROM pending WHERE id IS NOT NULL`,
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Leases up to `limit` due deliveries of one destination. The destination row is locked first
   * (SKIP LOCKED: another instance is claiming from it), and the claim runs as a second statement,
   * so its snapshot sees every lease committed by whoever held the lock before: attempts in flight
   * (unexpired leases) stay below max_concurrency, and each takes a token from the bucket shared by
   * every instance. With ordering `subscription`, only a subscription's earliest pending delivery
   * may be claimed (an earlier one dead-lettered as failed no longer holds the others back): see
   * ORDERED_HEADS_SQL, whose cost does not grow with the backlog; the attempts in flight are counted
   * through IDX_deliveries_leased, which holds only the leased rows.
   */
  private async claim(destination: Destination, limit: number): Promise<ClaimedRow[]> {
    const leaseSeconds = this.config.leaseSeconds ?? Math.ceil(destination.timeoutMs / 1000) + LEASE_MARGIN_SECONDS;
    const lease = this.newLease();
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const locked: Array<{ ordering: string; ordering_max_hold_seconds: number | null }> = await runner.query(
        `SELECT id, ordering, ordering_max_hold_seconds FROM destinations
          WHERE id = $1 AND status = '${DestinationStatus.Active}' AND deleted_at IS NULL AND (throttled_until IS NULL OR throttled_until <= now())
          FOR UPDATE SKIP LOCKED`,
        [destination.id],
      );
      if (locked.length === 0) {
        await runner.commitTransaction();
        return [];
      }
      // The ordering is read under the row lock: a change of it applies to the next claim.
      const ordered = locked[0].ordering === 'subscription';
      const holdSeconds = ordered ? locked[0].ordering_max_hold_seconds : null;
      const { records } = await runner.query(
        claimStatement(ordered),
        [destination.id, limit, lease, leaseSeconds],
        true,
      );
      await runner.commitTransaction();
      return (records as Omit<ClaimedRow, 'lease' | 'hold_seconds'>[]).map((row) => ({ ...row, lease, hold_seconds: holdSeconds }));
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private start(destination: Destination, row: ClaimedRow): void {
    const abort = new AbortController();
    this.shares.started(destination.id, row.id);
    let outcome: AttemptOutcomeKind | null = null;
    const done = this.attempt(destination, row, abort.signal)
      .then((kind) => {
        outcome = kind;
      })
      .catch((error: Error) => this.logger.warn(`Delivery ${row.id} (event ${row.event_id}, destination ${destination.id}): ${error.message}`))
      .finally(() => {
        this.inFlight.delete(row.id);
        this.shares.finished(destination.id, row.id, outcome);
        this.wake();
      });
    this.inFlight.set(row.id, { abort, done });
  }

  /** Sends one claimed delivery and records its outcome; returns the outcome's kind (null: given back at a stop). */
  private async attempt(destination: Destination, row: ClaimedRow, signal: AbortSignal): Promise<AttemptOutcomeKind | null> {
    const event = toDeliveredEvent(row);
    const at = new Date();
    let result: AttemptResult;
    try {
      const message = buildMessage(event, destination.format);
      const headers: Record<string, string> = {
        ...staticHeaders(destination),
        ...message.headers,
        ...signatureHeaders(validSigningSecrets(destination), event.id, message.body),
      };
      result = await this.http.post(destination.url, headers, message.body, destination.timeoutMs, signal);
    } catch (error) {
      // A message that could not even be built (stored headers or a secret that no longer parse; the
      // sender itself never throws) is a failed attempt like any other, so it ends in `failed` rather
      // than in a lease that expires over and over.
      result = { statusCode: null, durationMs: Date.now() - at.getTime(), responseHeaders: {}, responseBody: null, error: `could not send: ${(error as Error).message}`, retryAfterSeconds: null };
    }
    if (signal.aborted) {
      await this.giveBack(row);
      return null;
    }
    // An ordered head holds its subscription's line from its round's first attempt: bounded by orderingMaxHoldSeconds.
    const hold = row.hold_seconds === null ? null : { since: new Date(row.round_started_at), seconds: row.hold_seconds };
    const outcome = decideOutcome(result, row.attempts, event.receivedAt, this.config, new Date(), Math.random, hold);
    const ours = await this.finisher.submit({ deliveryId: row.id, destinationId: destination.id, lease: row.lease, result, outcome, at });
    const what = `Delivery ${row.id} (event ${event.id}, destination ${destination.id}), attempt ${row.attempts}`;
    if (!ours) {
      // Taken over after it expired, or retried or replayed meanwhile: whatever it answered changes nothing.
      this.metrics.attempted(destination.id, 'lost');
      this.logger.warn(`${what}: lease lost before the outcome was recorded; its answer (${describeAttempt(result) ?? result.statusCode}) is dropped`);
      return null;
    }
    this.metrics.attempted(destination.id, outcome.kind === 'throttled-out' ? 'throttled' : outcome.kind);
    if (outcome.kind === 'delivered') this.metrics.delivered(event.receivedAt);
    if (outcome.kind === 'delivered') this.logger.debug(`${what}: delivered (${result.statusCode}, ${result.durationMs} ms)`);
    else this.logger.warn(`${what}: ${describeOutcome(outcome, result)}`);
    return outcome.kind;
  }

  /** An attempt aborted by a graceful stop: not counted, the lease freed for whoever comes next. */
  private async giveBack(row: ClaimedRow): Promise<void> {
    await queryRows(
      this.dataSource,
      `UPDATE deliveries SET leased_until = NULL, leased_by = NULL, attempts = attempts - 1
        WHERE id = $1 AND leased_by = $2 AND state = '${DeliveryState.Pending}'`,
      [row.id, row.lease],
    );
  }

  /**
   * A lease token for one claim: this instance's name (for whoever reads leased_by) and 96 random
   * bits. Never (owner, attempts): a retry or replay sets attempts back to 0, so an attempt that lost
   * its lease could otherwise match the next claim of the same delivery by the same instance.
   */
  private newLease(): string {
    return `${this.owner.slice(0, 40)}/${randomBytes(12).toString('base64url')}`;
  }


  /**
   * Every attempt of a tick in one statement: each delivery's new state where the lease is still
   * ours, and only for those: the attempt in the log, and each destination touched (failing_since
   * kept or cleared, throttled by Retry-After, disabled by a 410 or by failing for
   * DESTINATION_DISABLE_AFTER). An attempt whose lease was lost changes nothing at all.
   */
  private async writeFinishes(rows: Finish[]): Promise<boolean[]> {
    const parameters: unknown[] = [this.config.disableAfterSeconds];
    const param = (value: unknown) => `$${parameters.push(value)}`;
    const input = rows.map((row) => {
      const { outcome, result } = row;
      const ended = outcome.kind === 'failed' || outcome.kind === 'gone' || outcome.kind === 'throttled-out';
      const state = outcome.kind === 'delivered' ? DeliveryState.Delivered : ended ? DeliveryState.Failed : DeliveryState.Pending;
      const nextAt = outcome.kind === 'retry' ? outcome.retryAt : outcome.kind === 'throttled' ? outcome.until : null;
      // A throttle is not the delivery's fault: not counted as an attempt, counted as a throttle.
      const throttled = outcome.kind === 'throttled' || outcome.kind === 'throttled-out';
      const error = 'error' in outcome ? outcome.error : describeAttempt(result);
      const gone = outcome.kind === 'gone' ? outcome.reason : null;
      const throttle = throttled ? outcome.until : null;
      return `(${param(row.deliveryId)}::bigint, ${param(row.lease)}::varchar, ${param(state)}::varchar, ${param(nextAt)}::timestamptz,
               ${param(result.statusCode)}::int, ${param(truncate(error))}::varchar, ${param(truncate(result.error))}::varchar, ${param(row.at)}::timestamptz,
               ${param(Math.round(result.durationMs))}::int, ${param(JSON.stringify(result.responseHeaders))}::jsonb, ${param(result.responseBody)}::text,
               ${param(throttled)}::boolean, ${param(row.destinationId)}::uuid, ${param(gone)}::varchar, ${param(throttle)}::timestamptz)`;
    });
    const tooLong = `(u.failed AND NOT u.succeeded AND t.failing_since < now() - make_interval(secs => $1::int))`;
    const disable = `(t.status = '${DestinationStatus.Active}' AND (u.gone IS NOT NULL OR ${tooLong}))`;
    const done = await queryRows<{ id: string }>(
      this.dataSource,
      `WITH input (id, lease, state, next_at, status_code, last_error, error, at, duration_ms, response_headers, response_body, throttled, destination_id, gone, throttle) AS (
         VALUES ${input.join(', ')}
       ), done AS (
         UPDATE deliveries l
            SET state = i.state,
                next_attempt_at = COALESCE(i.next_at, l.next_attempt_at),
                attempts = l.attempts - CASE WHEN i.throttled THEN 1 ELSE 0 END,
                throttles = l.throttles + CASE WHEN i.throttled THEN 1 ELSE 0 END,
                leased_until = NULL,
                leased_by = NULL,
                last_status_code = i.status_code,
                last_error = i.last_error,
                delivered_at = CASE WHEN i.state = '${DeliveryState.Delivered}' THEN now() ELSE l.delivered_at END
           FROM input i
          WHERE l.id = i.id AND l.leased_by = i.lease AND l.state = '${DeliveryState.Pending}'
         RETURNING l.id
       ), ours AS (
         SELECT i.* FROM input i JOIN done d ON d.id = i.id
       ), logged AS (
         INSERT INTO delivery_attempts (delivery_id, at, status_code, duration_ms, response_headers, response_body, error, throttled)
         SELECT id, at, status_code, duration_ms, response_headers, response_body, error, throttled FROM ours
       ), u AS (
         SELECT destination_id AS id, bool_or(state = '${DeliveryState.Delivered}') AS succeeded, bool_or(state <> '${DeliveryState.Delivered}') AS failed,
                max(gone) AS gone, max(throttle) AS throttle
           FROM ours GROUP BY destination_id
       ), touched AS (
         UPDATE destinations t
            SET failing_since = CASE WHEN u.succeeded THEN NULL ELSE COALESCE(t.failing_since, now()) END,
                throttled_until = CASE WHEN u.throttle IS NULL THEN t.throttled_until ELSE GREATEST(COALESCE(t.throttled_until, u.throttle), u.throttle) END,
                status = CASE WHEN ${disable} THEN '${DestinationStatus.Disabled}' ELSE t.status END,
                disabled_reason = CASE WHEN ${disable} THEN COALESCE(u.gone, format('Every attempt failed for more than %s s (since %s)', $1::int,
                                         to_char(t.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
                                       ELSE t.disabled_reason END,
                disabled_at = CASE WHEN ${disable} THEN now() ELSE t.disabled_at END,
                updated_at = CASE WHEN ${disable} THEN now() ELSE t.updated_at END
           FROM u
          WHERE t.id = u.id AND (u.failed OR t.failing_since IS NOT NULL)
       )
       SELECT id::text AS id FROM done`,
      parameters,
    );
    const ours = new Set(done.map((row) => String(row.id)));
    return rows.map((row) => ours.has(row.deliveryId));
  }
}

function toDeliveredEvent(row: ClaimedRow): DeliveredEvent {
  return {
    id: String(row.event_id),
    subscriptionId: row.subscription_id,
    vendor: row.vendor,
    eventType: row.event_type,
    status: row.status,
    validationErrors: row.validation_errors,
    occurredAt: row.occurred_at ? new Date(row.occurred_at) : null,
    receivedAt: new Date(row.received_at),
    isTest: row.is_test,
    payload: row.payload,
    rawBody: row.raw_body,
    headers: row.headers ?? {},
  };
}

function describeOutcome(outcome: AttemptOutcome, result: AttemptResult): string {
  switch (outcome.kind) {
    case 'gone':
      return `${outcome.reason}: the destination is disabled, this delivery failed`;
    case 'throttled-out':
      return `${outcome.error}: failed`;
    case 'throttled':
      return `answered ${result.statusCode} with Retry-After: nothing is sent to it before ${outcome.until.toISOString()}`;
    case 'retry':
      return `${outcome.error}; retry at ${outcome.retryAt.toISOString()}`;
    case 'failed':
      return `${outcome.error}: failed`;
    default:
      return 'delivered';
  }
}

function truncate(value: string | null): string | null {
  return value === null ? null : value.slice(0, ERROR_LENGTH);
}
