import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';
import { EMBEDDED, createTestDatabase, type TestDatabase } from '../support/test-database';

/** What TypeORM would still change to make the schema match the entities: empty when they agree. */
async function drift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}

describe('Migrations', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
  });

  it('build exactly the schema the entities describe, on PostgreSQL', { skip: EMBEDDED && 'migrations against a PostgreSQL server: PostgreSQL only' }, async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const dataSource = new DataSource({ ...buildDataSourceOptions({ databaseUrl: database.url, dataDir: '' }, definitionsOf(VENDORS)), logging: false });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      assert.ok(applied.length > 0, 'migrations were found and applied');
      assert.deepEqual(await drift(dataSource), []);
      // And they can be undone and redone.
      for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration();
      assert.equal((await dataSource.query(`SELECT to_regclass('webhook_events') AS t`))[0].t, null);
      await dataSource.runMigrations();
      assert.deepEqual(await drift(dataSource), []);
    } finally {
      await dataSource.destroy();
    }
  });

  it('run unchanged on embedded PGlite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-migrations-'));
    const dataSource = new DataSource({ ...buildDataSourceOptions({ dataDir }, definitionsOf(VENDORS)), logging: false });
    await dataSource.initialize();
    try {
      assert.ok((await dataSource.runMigrations()).length > 0);
      assert.deepEqual(await drift(dataSource), []);
    } finally {
      await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
