import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { IntervalJob } from '../common/interval-job';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { commitHorizon, type SqlRunner } from '../events/commit-horizon';
import type { EventCursor } from '../events/event-cursor';
import { NewEventsNotifier } from '../events/new-events.notifier';
import { destinationFilterSql } from './delivery-filter';
import { DELIVERY_CONFIG, type DeliveryConfig } from './delivery.config';
import { IngestPriority } from './ingest-priority';

const JOB = 'delivery-fanout';
/** Events scanned per destination per statement. */
const SCAN_BATCH = 1000;

/**
 * Where a new destination's fan-out starts: `now` (the current commit horizon, so every event that
 * has not committed yet is included), `beginning`, or an ISO time (just before the first event, in
 * feed order, received at or after it; `now` when there is none yet).
 */
export async function startCursor(db: SqlRunner, startFrom: string = 'now'): Promise<EventCursor> {
  if (startFrom === 'beginning') return { xid: '0', id: '0' };
  const horizon = await commitHorizon(db);
  if (startFrom !== 'now') {
    const [first] = (await db.query(
      `SELECT created_xid::text AS xid, (id - 1)::text AS id FROM webhook_events
        WHERE received_at >= $1 AND created_xid < $2::bigint ORDER BY created_xid, id LIMIT 1`,
      [new Date(startFrom), horizon],
    )) as EventCursor[];
    if (first) return first;
  }
  return { xid: horizon, id: '0' };
}

/**
 * One destination's fan-out step, one statement (so one transaction): lock the destination row
 * (SKIP LOCKED: one instance at a time), read the next events after its cursor and below the
 * commit horizon in feed order, queue those its filter matches, and move the cursor to the last
 * event scanned. The horizon is read by the statement before, so every event below it has
 * committed and is visible here: a cursor never passes an event that commits later.
 */
const FANOUT_SQL = `
  WITH d AS (
    SELECT id, filter, cursor_xid, cursor_id FROM destinations WHERE id = $1 AND deleted_at IS NULL FOR UPDATE SKIP LOCKED
  ), scanned AS (
    SELECT e.id, e.created_xid, e.subscription_id, ${destinationFilterSql('(SELECT filter FROM d)', 'e')} AS matches
      FROM webhook_events e
     WHERE EXISTS (SELECT 1 FROM d)
       AND (e.created_xid, e.id) > ((SELECT cursor_xid FROM d), (SELECT cursor_id FROM d))
       AND e.created_xid < $2::bigint
     ORDER BY e.created_xid, e.id
     LIMIT $3
  ), queued AS (
    INSERT INTO deliveries (destination_id, event_id, subscription_id, event_xid)
    SELECT $1, s.id, s.subscription_id, s.created_xid FROM scanned s WHERE s.matches
        ON CONFLICT (destination_id, event_id) DO NOTHING
    RETURNING 1
  ), last AS (
    SELECT created_xid, id FROM scanned ORDER BY created_xid DESC, id DESC LIMIT 1
  ), moved AS (
    UPDATE destinations t SET cursor_xid = last.created_xid, cursor_id = last.id FROM last WHERE t.id = $1
  )
  SELECT EXISTS (SELECT 1 FROM d) AS held,
         EXISTS (SELECT 1 FROM destinations WHERE id = $1 AND deleted_at IS NULL) AS alive,
         (SELECT count(*) FROM scanned)::int AS scanned, (SELECT count(*) FROM queued)::int AS queued`;

/**
 * How soon a pass runs again when a destination's row was locked (another instance's fan-out, or a
 * delivery claim or replay holding it for a moment): its new events must not wait for the next poll.
 */
const BUSY_RETRY_MS = 20;

/**
 * Turns events into deliveries: for every destination (whatever its status, so a paused or
 * disabled destination's backlog waits for it), the events its filter matches, in feed order, none
 * skipped. Woken by a local ingest (NewEventsNotifier; not while the instance yields to webhooks,
 * see IngestPriority) and every DELIVERY_POLL_MS; a pass runs at a time per instance, and instances
 * share destinations through the row lock. Not at all on an instance with DELIVERY_WORKER=off.
 */
@Injectable()
export class DeliveryFanout implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeliveryFanout');
  private readonly queuedListeners = new Set<(destinationId: string) => void>();
  private readonly pollMs: number;
  private readonly enabled: boolean;
  private readonly job: IntervalJob;
  private stopListening?: () => void;
  private busyRetry?: NodeJS.Timeout;
  /**
   * The destinations to fan out to, read again on every poll and after a local create, not on every
   * ingest batch (which wakes the fan-out): with none, an ingest then costs no query here.
   */
  private destinationIds?: string[];
  /** Bumped by destinationsChanged, so a list read while it was called is not kept. */
  private destinationsVersion = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly newEvents: NewEventsNotifier,
    scheduler: SchedulerRegistry,
    private readonly priority: IngestPriority,
    @Inject(DELIVERY_CONFIG) config: DeliveryConfig,
  ) {
    this.pollMs = config.pollMs;
    this.enabled = config.worker;
    this.job = new IntervalJob(scheduler, JOB, () => this.pass(), (error) => this.logger.warn(`Fan-out pass failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      // DELIVERY_WORKER=off: no pass ever runs here; the instances that deliver queue from the feed.
      void this.job.stop();
      return;
    }
    // While the instance yields to webhooks, its stored batches wait for the poll or the yield's end (see IngestPriority).
    this.stopListening = this.newEvents.listen(() => {
      if (!this.priority.yieldingToIngest) this.wake();
    });
    this.priority.onChange(() => {
      if (!this.priority.yieldingToIngest) this.wake();
    });
    this.job.start(this.pollMs, () => this.destinationsChanged());
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopListening?.();
    clearTimeout(this.busyRetry);
    await this.job.stop();
  }

  /** Called with the destination's id after a step queued deliveries for it (the worker listens). */
  onQueued(listener: (destinationId: string) => void): void {
    this.queuedListeners.add(listener);
  }

  /** A destination was created (here, or possibly elsewhere: the poll): read the list again, and run. */
  destinationsChanged(): void {
    this.destinationIds = undefined;
    this.destinationsVersion += 1;
    this.wake();
  }

  /** Runs a pass now (or right after the one in progress). */
  wake(): void {
    void this.job.run({ again: true });
  }

  private async pass(): Promise<void> {
    let ids = this.destinationIds;
    if (!ids) {
      const version = this.destinationsVersion;
      ids = (await queryRows<{ id: string }>(this.dataSource, 'SELECT id FROM destinations WHERE deleted_at IS NULL ORDER BY id')).map((row) => row.id);
      if (version === this.destinationsVersion) this.destinationIds = ids;
    }
    let busy = false;
    for (const id of ids) {
      for (;;) {
        if (this.job.stopping) break;
        // Its own statement, before the fan-out statement's snapshot is taken (see commitHorizon).
        const horizon = await commitHorizon(this.dataSource);
        const [step] = await queryRows<{ held: boolean; alive: boolean; scanned: number; queued: number }>(this.dataSource, FANOUT_SQL, [id, horizon, SCAN_BATCH]);
        if (!step.held) {
          // Deleted: nothing to do. Locked for a moment by someone else: try again shortly.
          busy ||= step.alive;
          break;
        }
        if (step.queued > 0) for (const listener of this.queuedListeners) listener(id);
        if (step.scanned < SCAN_BATCH) break;
      }
    }
    // Not while the instance yields to webhooks: then the poll or the yield's end brings the next pass.
    if (busy && !this.job.stopping && !this.busyRetry && !this.priority.yieldingToIngest) {
      this.busyRetry = setTimeout(() => {
        this.busyRetry = undefined;
        this.wake();
      }, BUSY_RETRY_MS);
    }
  }
}
