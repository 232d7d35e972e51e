/** Anything that runs SQL: a DataSource, an EntityManager, a Repository, a QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The lowest transaction id that may still commit an event row: the event feed (GET /api/events)
 * and the delivery fan-out read only rows with created_xid below it, so no row can later commit
 * behind a cursor already moved. Read it BEFORE the statement that reads the feed takes its
 * snapshot (a separate statement).
 *
 * Events are written only by single INSERT statements, which lock webhook_events before they are
 * given a transaction id, so a writer still in flight either holds that lock with its id already
 * assigned (found here, its 32-bit xid widened to 64 bits around the snapshot's xmax, on either side
 * of it), or will be given an id at or above xmax. Unlike pg_snapshot_xmin, a long transaction that
 * never touches webhook_events (another database, a report, a vacuum) does not hold the feed back.
 */
export async function commitHorizon(db: SqlRunner): Promise<string> {
  const [row] = (await db.query(`
      WITH next AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::numeric AS full_xid)
      SELECT LEAST(
               next.full_xid,
               MIN(next.full_xid + ((x.transactionid::text::numeric - next.full_xid % 4294967296 + 4294967296 + 2147483648) % 4294967296) - 2147483648)
             )::text AS horizon
        FROM next
        LEFT JOIN pg_locks r
               ON r.locktype = 'relation'
              AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND r.relation = 'webhook_events'::regclass
              AND r.mode <> 'AccessShareLock'
        LEFT JOIN pg_locks x
               ON x.locktype = 'transactionid'
              AND x.virtualtransaction = r.virtualtransaction
       GROUP BY next.full_xid`)) as Array<{ horizon: string }>;
  return row.horizon;
}
