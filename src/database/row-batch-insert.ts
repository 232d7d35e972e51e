/** PostgreSQL's SQLSTATE for a row whose foreign key names no row (its parent was deleted meanwhile). */
export const FOREIGN_KEY_VIOLATION = '23503';

/** The SQLSTATE of a failed query (TypeORM wraps the driver's error), or '' when there is none. */
export function sqlState(error: unknown): string {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  const value = driverError?.code ?? code;
  return typeof value === 'string' ? value : '';
}

export interface RowBatchOptions<R, O> {
  /** Whether the statement failed for a reason one row alone can cause (e.g. a foreign-key violation). */
  isRowError(error: unknown): boolean;
  /**
   * What becomes of a row that, alone, still fails with such an error: its answer (an Error fails
   * that row alone), or a throw. Absent: the error is thrown.
   */
  alone?(row: R, error: unknown): Promise<O | Error>;
}

/**
 * Inserts a batch of rows with one multi-row statement (`insert`, answering each row in order). When
 * the statement is refused for a reason one row can cause, each row is tried alone, so only that
 * row fails and the others are stored as if they had come alone; any other error fails the batch.
 */
export async function insertRowBatch<R, O>(rows: R[], insert: (rows: R[]) => Promise<Array<O | Error>>, options: RowBatchOptions<R, O>): Promise<Array<O | Error>> {
  try {
    return await insert(rows);
  } catch (error) {
    if (!options.isRowError(error)) throw error;
    if (rows.length > 1) {
      return Promise.all(rows.map((row) => insertRowBatch([row], insert, options).then(([result]) => result, (failure: Error) => failure)));
    }
    if (!options.alone) throw error;
    return [await options.alone(rows[0], error)];
  }
}
