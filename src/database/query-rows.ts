import type { DataSource } from 'typeorm';

/**
 * Runs SQL and returns its rows, whatever the statement. (TypeORM's `query()` answers an UPDATE or
 * DELETE with `[rows, rowCount]` but a SELECT or INSERT with the rows, which makes `RETURNING`
 * easy to misread.)
 */
export async function queryRows<T>(dataSource: DataSource, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, parameters, true)).records as T[];
  } finally {
    await runner.release();
  }
}
