import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { entitiesOf } from './entities';
import { pgliteDriver } from './pglite-driver';
import { TypeOrmLogger } from './typeorm-logger';

/** Options for the one DataSource used by the app, the tests and the TypeORM CLI, with the entities of these vendors. */
export function buildDataSourceOptions(config: Pick<AppConfig, 'databaseUrl' | 'dataDir'>, vendors: readonly VendorDefinition[]): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: entitiesOf(vendors),
    migrations: [join(__dirname, '..', '..', 'migrations', '*.js')],
    migrationsTableName: 'migrations',
    synchronize: false,
    // Core PostgreSQL only: uuid defaults use gen_random_uuid(), and PGlite ships no extensions.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    logging: ['error' as const, 'warn' as const, 'migration' as const],
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: 2000,
  };
  if (config.databaseUrl) {
    return {
      ...common,
      url: config.databaseUrl,
      poolSize: 10,
      connectTimeoutMS: 5000,
      // A request never waits on a dead connection for long: it fails fast and answers 503.
      extra: { statement_timeout: 30_000, query_timeout: 35_000, keepAlive: true },
    };
  }
  return { ...common, driver: pgliteDriver(config.dataDir) };
}
