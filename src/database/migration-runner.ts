import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Arbitrary but fixed: the advisory lock that lets one instance at a time migrate a shared database. */
const MIGRATION_LOCK_KEY = 7_310_424_001;

/** Runs pending migrations at start; concurrent instances on one PostgreSQL take turns. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    // PGlite is one connection in one process: nobody to take turns with, and a lock would hold it.
    const embedded = this.dataSource.options.type === 'postgres' && 'driver' in this.dataSource.options && !!this.dataSource.options.driver;
    const lock = embedded ? undefined : this.dataSource.createQueryRunner();
    try {
      await lock?.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const applied = await this.dataSource.runMigrations({ transaction: 'all' });
      if (applied.length > 0) this.logger.log(`Applied ${applied.map((m) => m.name).join(', ')}`);
    } finally {
      await lock?.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lock?.release();
    }
  }
}
