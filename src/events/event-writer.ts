import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { FOREIGN_KEY_VIOLATION, insertRowBatch, sqlState } from '../database/row-batch-insert';
import { activationOnDelivery } from '../subscriptions/subscription-lifecycle';
import { NewEventsNotifier } from './new-events.notifier';
import { TickBatcher } from './tick-batcher';

/** One event row as the ingest service prepared it. */
export interface EventRow {
  subscriptionId: string;
  vendor: string;
  eventType: string | null;
  dedupeKey: string;
  status: string;
  /** JSON text, or null when the event is accepted. */
  validationErrors: string | null;
  occurredAt: Date | null;
  /** JSON text of the stored headers. */
  headers: string;
  /** The raw body as text, stored as jsonb; null when jsonb cannot hold it. */
  payload: string | null;
  rawBody: Buffer;
  isTest: boolean;
  /** Whether a first delivery turns a pending subscription ACTIVE (activatesOnDelivery). */
  activate: boolean;
}

/** What became of a row: its event id and status, and whether it was there already. */
export interface StoredEvent {
  id: string;
  status: string;
  duplicate: boolean;
}

/**
 * The subscription was deleted while the delivery was in flight: its row gone (FK), or marked
 * deleted before this statement's snapshot (a delete committing later lets the event in, with its id).
 */
export class SubscriptionGoneError extends Error {}

/**
 * SQLSTATEs PostgreSQL raises when jsonb cannot hold a JSON text (\u0000, nesting past its stack
 * depth, sizes past its limits); the raw body is kept anyway.
 */
const JSONB_REJECTED = new Set(['22P05', '22P02', '22021', '22025', '54001', '54000']);
const DEADLOCK_DETECTED = '40P01';
/** Rows of one statement: 12 parameters each, far below PostgreSQL's 65,535. */
const MAX_ROWS = 500;
/** Raw bytes of one statement: a large body goes in a statement of its own. */
const MAX_BYTES = 4 * 1024 * 1024;
/** Statements in flight at once (of the pool's connections). */
const MAX_IN_FLIGHT = 3;

const COLUMNS = 12;
/** The first authentic delivery's activation, on the locked row `s` with the batch's `activate` flag. */
const ACTIVATION_DUE = activationOnDelivery.due('s', 't.activate');
const ACTIVATION_SET = activationOnDelivery.set('s', 'l.activate');

interface InsertedRow {
  ord: number;
  id: string | null;
  status: string | null;
  inserted: boolean;
}

/**
 * Writes event rows. Concurrent deliveries are coalesced per event-loop tick into one multi-row
 * INSERT … ON CONFLICT DO NOTHING (see TickBatcher): one statement, one commit, one WAL flush for
 * the whole batch instead of one per delivery. Each delivery is answered only when the statement
 * that carries its row has committed, and is told whether its event was new: within a batch the
 * first delivery of an event is the one that may insert it, any identical one is its duplicate,
 * with the same event id. A failed statement fails every delivery of its batch (503), so none is
 * acknowledged without its row.
 *
 * The feed's commit horizon (commit-horizon.ts) relies on event rows being written only
 * by single INSERT statements that lock webhook_events before they are given a transaction id:
 * the batch is exactly that, with created_xid set by pg_current_xact_id() in the same statement.
 */
@Injectable()
export class EventWriter {
  private readonly batcher = new TickBatcher<EventRow, StoredEvent>((rows) => this.writeBatch(rows), {
    maxItems: MAX_ROWS,
    maxInFlight: MAX_IN_FLIGHT,
    weigh: (row) => row.rawBody.length * 2,
    maxWeight: MAX_BYTES,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly newEvents: NewEventsNotifier,
  ) {}

  write(row: EventRow): Promise<StoredEvent> {
    return this.batcher.submit(row);
  }

  /** One batch: answers in the order of `rows`. */
  private async writeBatch(rows: EventRow[]): Promise<Array<StoredEvent | Error>> {
    // One row per event: a second delivery of the same event in this batch is its duplicate.
    const firstOf = new Map<string, number>();
    const unique: EventRow[] = [];
    const slot = rows.map((row) => {
      const key = `${row.subscriptionId}\u0000${row.dedupeKey}`;
      let at = firstOf.get(key);
      if (at === undefined) {
        at = unique.push(row) - 1;
        firstOf.set(key, at);
        return { at, first: true };
      }
      return { at, first: false };
    });
    const written = await this.writeUnique(unique);
    // Committed: wake whoever follows the feed (the delivery fan-out) without waiting for it.
    if (written.some((result) => !(result instanceof Error) && !result.duplicate)) this.newEvents.notify();
    return slot.map(({ at, first }) => {
      const result = written[at];
      if (result instanceof Error) return result;
      return first ? result : { ...result, duplicate: true };
    });
  }

  /** Rows with distinct events; a statement-level refusal of one row is narrowed down to that row. */
  private writeUnique(rows: EventRow[]): Promise<Array<StoredEvent | Error>> {
    return insertRowBatch(rows, (batch) => this.insertWithRetry(batch), {
      isRowError: (error) => sqlState(error) === FOREIGN_KEY_VIOLATION || JSONB_REJECTED.has(sqlState(error)),
      alone: async (row, error) => {
        if (sqlState(error) === FOREIGN_KEY_VIOLATION) return new SubscriptionGoneError();
        if (row.payload === null) throw error;
        // jsonb cannot hold it: the raw body alone is kept.
        const [stored] = await this.writeUnique([{ ...row, payload: null }]);
        return stored;
      },
    });
  }

  /** A deadlock (two batches locking the same subscriptions) rolled everything back: try again. */
  private async insertWithRetry(rows: EventRow[]): Promise<Array<StoredEvent | Error>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insert(rows);
      } catch (error) {
        if (sqlState(error) !== DEADLOCK_DETECTED || attempt >= 3) throw error;
      }
    }
  }

  /**
   * One statement, so one commit: the event rows, and for each subscription that got a new event,
   * on its first authentic delivery the subscription turning ACTIVE (rule and SQL from the subscription
   * lifecycle), and last_event_at refreshed at most once a minute to keep a hot subscription row out
   * of every insert's lock path. Rows are inserted, and subscriptions locked, in key order, so two
   * batches never wait on each other in a cycle.
   */
  private async insert(rows: EventRow[]): Promise<Array<StoredEvent | Error>> {
    const values: string[] = [];
    const parameters: unknown[] = [];
    rows.forEach((row, index) => {
      const p = index * COLUMNS;
      values.push(
        `(${index}, $${p + 1}::uuid, $${p + 2}::varchar, $${p + 3}::varchar, $${p + 4}::varchar, $${p + 5}::varchar, $${p + 6}::jsonb, ` +
          `$${p + 7}::timestamptz, $${p + 8}::jsonb, $${p + 9}::jsonb, $${p + 10}::bytea, $${p + 11}::boolean, $${p + 12}::boolean)`,
      );
      parameters.push(
        row.subscriptionId,
        row.vendor,
        row.eventType,
        row.dedupeKey,
        row.status,
        row.validationErrors,
        row.occurredAt,
        row.headers,
        row.payload,
        row.rawBody,
        row.isTest,
        row.activate,
      );
    });
    const result = await queryRows<InsertedRow>(
      this.dataSource,
      `WITH input (ord, subscription_id, vendor, event_type, dedupe_key, status, validation_errors, occurred_at, headers, payload, raw_body, is_test, activate) AS (
         VALUES ${values.join(', ')}
       ), inserted AS (
         INSERT INTO webhook_events
           (subscription_id, vendor, event_type, dedupe_key, status, validation_errors, occurred_at, headers, payload, raw_body, is_test, created_xid)
         SELECT subscription_id, vendor, event_type, dedupe_key, status, validation_errors, occurred_at, headers, payload, raw_body, is_test,
                pg_current_xact_id()::text::bigint
           FROM input
          WHERE NOT EXISTS (SELECT 1 FROM subscriptions d WHERE d.id = input.subscription_id AND d.deleted_at IS NOT NULL)
          ORDER BY subscription_id, dedupe_key
         ON CONFLICT (subscription_id, dedupe_key) DO NOTHING
         RETURNING id, subscription_id, dedupe_key, status
       ), locked AS (
         SELECT s.id, t.activate
           FROM subscriptions s
           JOIN (SELECT DISTINCT i.subscription_id, i.activate
                   FROM input i JOIN inserted n ON n.subscription_id = i.subscription_id AND n.dedupe_key = i.dedupe_key) t
             ON t.subscription_id = s.id
          WHERE ${ACTIVATION_DUE} OR s.last_event_at IS NULL OR s.last_event_at < now() - interval '1 minute'
          ORDER BY s.id
            FOR UPDATE OF s
       ), touched AS (
         UPDATE subscriptions s
            SET ${ACTIVATION_SET},
                last_event_at = now()
           FROM locked l
          WHERE s.id = l.id
       )
       SELECT i.ord, COALESCE(n.id, e.id) AS id, COALESCE(n.status, e.status) AS status, n.id IS NOT NULL AS inserted
         FROM input i
         LEFT JOIN inserted n ON n.subscription_id = i.subscription_id AND n.dedupe_key = i.dedupe_key
         LEFT JOIN webhook_events e ON n.id IS NULL AND e.subscription_id = i.subscription_id AND e.dedupe_key = i.dedupe_key`,
      parameters,
    );
    const byOrd = new Map(result.map((row) => [Number(row.ord), row]));
    const answers: Array<StoredEvent | Error | undefined> = rows.map((_, index) => {
      const row = byOrd.get(index);
      if (!row || row.id === null || row.status === null) return undefined;
      return { id: String(row.id), status: row.status, duplicate: !row.inserted };
    });
    // A conflict with a row committed after this statement's snapshot was taken: read it now.
    const missing = rows.map((row, index) => ({ row, index })).filter(({ index }) => answers[index] === undefined);
    if (missing.length > 0) {
      const found = await queryRows<{ id: string; status: string; subscription_id: string; dedupe_key: string }>(
        this.dataSource,
        `SELECT e.id, e.status, e.subscription_id, e.dedupe_key
           FROM webhook_events e
          WHERE (e.subscription_id, e.dedupe_key) IN (${missing.map((_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2}::varchar)`).join(', ')})`,
        missing.flatMap(({ row }) => [row.subscriptionId, row.dedupeKey]),
      );
      const byKey = new Map(found.map((row) => [`${row.subscription_id}\u0000${row.dedupe_key}`, row]));
      for (const { row, index } of missing) {
        const existing = byKey.get(`${row.subscriptionId}\u0000${row.dedupeKey}`);
        // Neither stored nor found: the subscription was deleted while the delivery was in flight.
        answers[index] = existing ? { id: String(existing.id), status: existing.status, duplicate: true } : new SubscriptionGoneError();
      }
    }
    return answers as Array<StoredEvent | Error>;
  }
}
