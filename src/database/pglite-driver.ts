import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { lockDataDir, type DataDirLock } from './data-dir-lock';

/**
 * A `pg`-shaped driver for TypeORM over embedded PGlite (the default when DATABASE_URL is unset).
 *
 * PGlite is a single connection, so the pool hands it to one borrower at a time: a TypeORM
 * transaction holds it from BEGIN to COMMIT and no other query can interleave, exactly as with a
 * one-connection `pg` pool.
 *
 * The database lives in DATA_DIR/pgdata, and whoever opens it (the app, the migration CLI, the
 * re-encryption script) holds DATA_DIR's lock while it is open: one process at a time.
 */
interface QueryResultLike {
  rows: unknown[];
  rowCount: number;
  command?: string;
}

class PGliteClient extends EventEmitter {
  constructor(readonly db: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[]): Promise<QueryResultLike> {
    // The extended protocol takes one statement; parameterless SQL may hold several (migrations).
    const result =
      params && params.length > 0
        ? await this.db.query(sql, params)
        : ((await this.db.exec(sql)).at(-1) ?? { rows: [], affectedRows: 0, command: undefined });
    return {
      rows: result.rows,
      rowCount: result.affectedRows ?? result.rows.length,
      command: result.command?.toUpperCase(),
    };
  }
}

/**
 * The one place where PGlite's values are made the values `pg` gives, so that no code above the driver
 * can tell the two databases apart: `pg` answers int8 as a string (PGlite: a lossy number) and bytea as
 * a Buffer (PGlite: a Uint8Array, whose toString ignores its encoding). Arrays of either follow, as
 * PGlite parses an array's elements with these. Every other type the schema uses (int4, text, uuid,
 * bool, jsonb, timestamptz, their arrays) already comes back alike; error objects carry the same
 * SQLSTATE `code`. test/e2e/database-values.test.ts checks each against a PostgreSQL server.
 */
export const PG_COMPATIBLE_PARSERS = {
  [types.INT8]: (text: string) => text,
  [types.BYTEA]: (text: string) => Buffer.from(text.slice(2), 'hex'),
};

type ConnectCallback = (err: Error | null, client: PGliteClient | null, release: () => void) => void;

class PGlitePool extends EventEmitter {
  private readonly ready: Promise<PGliteClient>;
  private lock?: DataDirLock;
  private readonly waiting: Array<() => void> = [];
  private busy = false;

  constructor(dataDir: string) {
    super();
    this.ready = (async () => {
      this.lock = await lockDataDir(dataDir);
      try {
        const pgdata = join(dataDir, 'pgdata');
        mkdirSync(pgdata, { recursive: true });
        return new PGliteClient(await PGlite.create(pgdata, { parsers: PG_COMPATIBLE_PARSERS }));
      } catch (error) {
        await this.lock.release();
        throw error;
      }
    })();
  }

  connect(callback: ConnectCallback): void {
    this.ready.then(
      (client) =>
        this.acquire(() => {
          // Once per borrow: a second release must not free the connection under its next holder.
          let released = false;
          callback(null, client, () => {
            if (released) return;
            released = true;
            this.release();
          });
        }),
      (err: Error) => callback(err, null, () => undefined),
    );
  }

  async query(sql: string, params?: unknown[]): Promise<QueryResultLike> {
    const client = await this.ready;
    await new Promise<void>((resolve) => this.acquire(resolve));
    try {
      return await client.query(sql, params);
    } finally {
      this.release();
    }
  }

  end(callback?: (err: Error | null) => void): void {
    this.ready
      .then(async (client) => client.db.close())
      .then(async () => this.lock?.release())
      .then(
        () => callback?.(null),
        (err: Error) => callback?.(err),
      );
  }

  private acquire(grant: () => void): void {
    if (this.busy) {
      this.waiting.push(grant);
    } else {
      this.busy = true;
      grant();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

/** The object TypeORM's postgres driver takes as its `driver` option, for the database in `dataDir`. */
export function pgliteDriver(dataDir: string): { Pool: new () => PGlitePool } {
  return {
    Pool: class extends PGlitePool {
      constructor() {
        super(dataDir);
      }
    },
  };
}
