import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { queryRows } from '../../src/database/query-rows';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';
import { EMBEDDED, createTestDatabase, type TestDatabase } from '../support/test-database';

// A zone away from UTC, as on an operator's machine: dates and timestamps without a zone are read in
// local time by pg, so a parser that assumed UTC would show here (and not on a UTC CI machine).
process.env.TZ = 'America/New_York';

/**
 * Every kind of value the schema stores, read back through the app's own DataSource on the embedded
 * database and on a PostgreSQL server: code above the driver must not be able to tell them apart.
 */
const VALUES_SQL = `SELECT
    9007199254740993::int8 AS big, 42::int4 AS int, 1.5::numeric AS num, 2.5::float8 AS float,
    '\\x00ff10'::bytea AS bytes, 'hé'::text AS text, true AS bool,
    '2024-02-29T12:34:56.789Z'::timestamptz AS at, NULL::timestamptz AS never,
    '{"a":[1,"x",null],"b":{"c":true}}'::jsonb AS json, '"s"'::jsonb AS json_scalar,
    ARRAY['a','b']::text[] AS texts, ARRAY[1,2]::int8[] AS bigs, ARRAY[]::text[] AS empty,
    '6c0e4a4e-1b6f-4f57-8a7e-8f2f0e4b7a10'::uuid AS id,
    '2024-02-29'::date AS day, '2024-02-29 12:34:56.789'::timestamp AS local_at, '1 day 02:03:04'::interval AS span,
    '{"a":1}'::json AS plain_json, ARRAY['2024-02-29T12:34:56Z']::timestamptz[] AS ats,
    ARRAY['6c0e4a4e-1b6f-4f57-8a7e-8f2f0e4b7a10']::uuid[] AS ids, ARRAY[true, NULL]::bool[] AS flags`;

describe('Values read from either database are the same JavaScript values', { skip: EMBEDDED && 'compares both databases side by side, in the PostgreSQL pass' }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function open(kind: 'postgres' | 'embedded'): Promise<DataSource> {
    let databaseUrl: string | undefined;
    let dataDir = '';
    if (kind === 'postgres') {
      const database: TestDatabase = await createTestDatabase();
      cleanups.push(() => database.drop());
      databaseUrl = database.url;
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'gateway-values-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    }
    const dataSource = new DataSource({ ...buildDataSourceOptions({ databaseUrl, dataDir }, definitionsOf(VENDORS)), logging: false });
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    return dataSource;
  }

  it('int8, bytea, jsonb, timestamps, arrays and uuids', async () => {
    const [server, embedded] = [await open('postgres'), await open('embedded')];
    const [fromServer] = await queryRows<Record<string, unknown>>(server, VALUES_SQL);
    const [fromEmbedded] = await queryRows<Record<string, unknown>>(embedded, VALUES_SQL);
    // int8 as a string: a number would lose ids past 2^53.
    assert.equal(fromServer.big, '9007199254740993');
    assert.ok(Buffer.isBuffer(fromServer.bytes));
    for (const column of Object.keys(fromServer)) {
      const [a, b] = [fromServer[column], fromEmbedded[column]];
      assert.equal(Object.prototype.toString.call(b), Object.prototype.toString.call(a), `${column}: same kind of value`);
      assert.equal(b?.constructor, a?.constructor, `${column}: same class (${String(a?.constructor?.name)})`);
      assert.deepEqual(b, a, `${column}: same value`);
    }
    // A bytea read back encodes as the bytes it holds, the way the event API answers rawBody.
    assert.equal((fromEmbedded.bytes as Buffer).toString('base64'), Buffer.from([0, 255, 16]).toString('base64'));
    // The same value also goes in as a parameter and comes back whole.
    const [echo] = await queryRows<{ bytes: Buffer; big: string }>(embedded, 'SELECT $1::bytea AS bytes, $2::int8 AS big', [Buffer.from('raw'), '9007199254740993']);
    assert.deepEqual(echo, { bytes: Buffer.from('raw'), big: '9007199254740993' });
  });

  it('statements report the same affected rows and RETURNING rows', async () => {
    const [server, embedded] = [await open('postgres'), await open('embedded')];
    const statements: Array<[string, unknown[]]> = [
      ['CREATE TABLE parity (id int8 PRIMARY KEY, v text)', []],
      ["INSERT INTO parity VALUES (1, 'a'), (2, 'b'), (3, 'c')", []],
      ['INSERT INTO parity VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id', [1, 'again']],
      ['SELECT id, v FROM parity ORDER BY id', []],
      ['SELECT id FROM parity WHERE id > $1 ORDER BY id', [1]],
      ["UPDATE parity SET v = v || '!' WHERE id > 1", []],
      ['UPDATE parity SET v = $1 WHERE id = $2 RETURNING id, v', ['x', 3]],
      ['DELETE FROM parity WHERE id = $1', [99]],
      ['DELETE FROM parity WHERE id < $1 RETURNING v', [3]],
    ];
    for (const [sql, params] of statements) {
      const [fromServer, fromEmbedded] = await Promise.all(
        [server, embedded].map(async (dataSource) => {
          const runner = dataSource.createQueryRunner();
          try {
            const result = await runner.query(sql, params, true);
            return { records: result.records, affected: result.affected };
          } finally {
            await runner.release();
          }
        }),
      );
      assert.deepEqual(fromEmbedded, fromServer, sql);
    }
  });

  it('errors carry the same SQLSTATE code', async () => {
    const [server, embedded] = [await open('postgres'), await open('embedded')];
    for (const [sql, code] of [
      ['SELECT 1/0', '22012'],
      ['SELECT * FROM no_such_table', '42P01'],
      ["SELECT 'x'::int", '22P02'],
    ] as const) {
      for (const dataSource of [server, embedded]) {
        await assert.rejects(queryRows(dataSource, sql), (error: { driverError?: { code?: string }; code?: string }) => {
          assert.equal(error.driverError?.code ?? error.code, code, sql);
          return true;
        });
      }
    }
    // JSON nested too deep for jsonb, as a parameter (as the event writer sends a payload): PGlite's own
    // engine would answer no rows and no error. And the database still answers after it.
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    for (const dataSource of [server, embedded]) {
      await assert.rejects(queryRows(dataSource, 'SELECT $1::jsonb AS j', [deep]), (error: { driverError?: { code?: string } }) => {
        assert.equal(error.driverError?.code, '54001');
        return true;
      });
      assert.deepEqual(await queryRows(dataSource, 'SELECT 1 AS alive'), [{ alive: 1 }]);
    }
  });
});
