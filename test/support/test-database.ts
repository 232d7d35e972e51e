import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** The server the tests use: DATABASE_URL, or the local PostgreSQL's `test` database. */
export const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * `TEST_DATABASE=embedded` (the test command's second pass): apps started by startTestApp run on the
 * embedded database (PGlite in a temporary DATA_DIR) instead of a PostgreSQL server.
 */
export const EMBEDDED = process.env.TEST_DATABASE === 'embedded';

export interface TestDatabase {
  url: string;
  name: string;
  /** Set for an embedded database (createPassDatabase on the embedded pass): the DATA_DIR it lives in. */
  dataDir?: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for the test command's pass, for tests that start several apps on one database
 * one after another (startTestApp's `database`): a PostgreSQL database, or on the embedded pass a
 * DATA_DIR of its own (one app at a time on it: the embedded database admits one process).
 */
export async function createPassDatabase(): Promise<TestDatabase> {
  if (!EMBEDDED) return createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-db-'));
  return { url: '', name: 'embedded', dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * A fresh, empty database for one test file, on the same server as DATABASE_URL. Refuses to run
 * unless DATABASE_URL names a test database, so a mistyped URL cannot touch real data.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(BASE_DATABASE_URL);
  if (!/test/i.test(base.pathname)) {
    throw new Error(`Refusing to run tests: DATABASE_URL must name a test database, got "${base.pathname.slice(1)}"`);
  }
  const name = `test_gw_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(base: URL, sql: string): Promise<void> {
  const client = new Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Rows of one SQL statement against a database, outside the app: for checking what was stored. */
export async function queryDatabase<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Something SQL can be run on: a TestApp (its own DataSource, either database) or databaseQueryable(url). */
export interface Queryable {
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A PostgreSQL database reached directly, for tests whose gateways run as processes on one database. */
export function databaseQueryable(url: string): Queryable {
  return { query: (sql, params = []) => queryDatabase(url, sql, params) };
}
