import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { types as pgTypes } from 'pg';
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
  rowCount: number | null;
  command?: string;
}

class PGliteClient extends EventEmitter {
  constructor(readonly db: PGlite) {
    super();
  }

  async query(sql: string, params?: unknown[]): Promise<QueryResultLike> {
    params?.forEach(refuseNestingPGliteCannotParse);
    // The extended protocol takes one statement; parameterless SQL may hold several (migrations).
    const result =
      params && params.length > 0
        ? await this.db.query(sql, params)
        : ((await this.db.exec(sql)).at(-1) ?? { rows: [], affectedRows: 0, command: undefined });
    return {
      rows: result.rows,
      // As `pg`: the count in the command tag (rows selected, inserted, updated, deleted), null for a
      // statement without one. PGlite's affectedRows is 0 for a SELECT and adds up an exec's statements.
      rowCount: (result as { rowCount?: number }).rowCount ?? null,
      command: result.command?.toUpperCase(),
    };
  }
}

/**
 * JSON nested deeper than this overflows PGlite's WebAssembly stack when cast to json(b): PostgreSQL
 * raises 54001 (stack depth limit exceeded, from ~15,000 levels), but PGlite answers an empty result
 * with no error (from ~7,000) and its next statements may never answer. So the driver raises
 * PostgreSQL's error itself, before sending such a parameter: callers handle it as they do on a server.
 */
export const PGLITE_MAX_JSON_NESTING = 4000;

function refuseNestingPGliteCannotParse(param: unknown): void {
  if (typeof param !== 'string' || param.length <= PGLITE_MAX_JSON_NESTING) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < param.length; i += 1) {
    const char = param.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > PGLITE_MAX_JSON_NESTING) {
        throw Object.assign(new Error('stack depth limit exceeded'), { code: '54001', severity: 'ERROR' });
      }
    } else if (char === 0x5d || char === 0x7d) {
      depth -= 1;
    }
  }
}

/**
 * The one place where PGlite's values are made the values `pg` gives, so that no code above the driver
 * can tell the two databases apart: PGlite parses every built-in type with `pg`'s own text parser for
 * it (pg-types, looked up once: nothing here sets a parser of its own), where its own would differ: int8 as a string (PGlite: a lossy
 * number), bytea as a Buffer (PGlite: a Uint8Array, whose toString ignores its encoding), date and
 * timestamp without time zone in local time (PGlite: a date at UTC midnight), interval as pg's interval
 * object (PGlite: text). Arrays follow, as PGlite parses an array's elements with these. Error objects
 * carry the same SQLSTATE `code`, constraint and detail. test/e2e/database-values.test.ts checks each
 * against a PostgreSQL server.
 */
export const PG_COMPATIBLE_PARSERS: Record<number, (text: string) => unknown> = Object.fromEntries(
  Object.values(pgTypes.builtins)
    .filter((oid): oid is number => typeof oid === 'number')
    .map((oid) => [oid, pgTypes.getTypeParser(oid, 'text')]),
);

/**
 * PostgreSQL's settings for the embedded database, on top of PGlite's own (given on the command line,
 * so they apply to a database created by an older version too). PostgreSQL touches all of
 * shared_buffers as it starts, so its default of 128MB is 128 MB of resident memory before the first
 * query; a service receiving a few webhooks a minute needs far less, and the operating system's
 * page cache still holds the data files (BENCHMARKS.md, "Start-up and memory").
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * Opens (or, in an empty directory, creates) the PGlite database in `pgdata`, with the settings above:
 * initdb writes them into postgresql.conf too (and runs with them: a lower peak while it does).
 */
export function createPGlite(pgdata: string): Promise<PGlite> {
  return PGlite.create(pgdata, {
    parsers: PG_COMPATIBLE_PARSERS,
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    initDbStartParams: EMBEDDED_SETTINGS,
  });
}

/**
 * Creates the database cluster for an empty `pgdata` in a short-lived child process (pglite-initdb.ts),
 * so that the memory initdb takes leaves with it: done in this process, it stays resident for good.
 * It is built beside `pgdata` and renamed into place when complete, so a start killed half-way
 * leaves no half-made database behind, only a staging directory the next first start removes.
 */
async function initdb(pgdata: string): Promise<void> {
  if (readdirSync(pgdata).length > 0) {
    throw new Error(`${pgdata} holds files but no database (no PG_VERSION): move them away, or set DATA_DIR to another directory`);
  }
  const parent = dirname(pgdata);
  const prefix = `${basename(pgdata)}.initdb-`;
  for (const stale of readdirSync(parent).filter((name) => name.startsWith(prefix))) rmSync(join(parent, stale), { recursive: true, force: true });
  const staging = join(parent, `${prefix}${process.pid}`);
  mkdirSync(staging);
  await new Promise<void>((resolve, reject) => {
    const child = fork(join(__dirname, 'pglite-initdb.js'), [staging], {
      // Its own debugger port would clash with this process's.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`Could not create the embedded database in ${pgdata} (initdb ${signal ?? `exit ${code}`}): ${stderr.trim()}`)),
    );
  });
  // Replaces the empty directory (one process at a time holds DATA_DIR, so it is still empty).
  renameSync(staging, pgdata);
}

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
        if (!existsSync(join(pgdata, 'PG_VERSION'))) await initdb(pgdata);
        return new PGliteClient(await createPGlite(pgdata));
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
