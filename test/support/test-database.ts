import { randomBytes } from 'node:crypto';
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
  drop(): Promise<void>;
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
