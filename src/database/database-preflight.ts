import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { isDatabaseUnavailable } from './database-unavailable';

/** The database cannot be used, and waiting will not change that. The message is the one line printed. */
export class DatabaseStartError extends Error {}

/** What to do about the permanent refusals an operator meets most, by SQLSTATE. */
const HINTS: Record<string, string> = {
  '3D000': 'create it, or name an existing one in DATABASE_URL',
  '28P01': 'check the user and password in DATABASE_URL',
  '28000': "the server's pg_hba.conf does not let this user in from here",
  '42501': 'the user in DATABASE_URL lacks the privilege',
};

export interface WaitForDatabaseOptions {
  attempts?: number;
  delayMs?: number;
  /** Where the one line per retry goes. */
  log: (line: string) => void;
}

/**
 * Connects once to DATABASE_URL before the app is built. A server that is not there yet (refused,
 * reset, timed out, starting up) is retried, one line per retry; anything else (no such database,
 * authentication failed, TLS refused) cannot get better by waiting and throws at once, with one line.
 */
export async function waitForDatabase(url: string, { attempts = 10, delayMs = 3000, log }: WaitForDatabaseOptions): Promise<void> {
  const where = redactDatabaseUrl(url);
  for (let attempt = 1; ; attempt += 1) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined); // a connection dropped after the check is not this function's business
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const reason = describe(error);
      if (!isDatabaseUnavailable(error)) {
        const code = (error as { code?: unknown }).code;
        const hint = typeof code === 'string' && HINTS[code] ? `; ${HINTS[code]}` : '';
        throw new DatabaseStartError(`Cannot use the database at ${where}: ${reason}${hint}`);
      }
      if (attempt >= attempts) {
        throw new DatabaseStartError(`The database at ${where} is still unreachable after ${attempts} attempts (${reason}); giving up`);
      }
      log(`The database at ${where} is unreachable (${reason}); retrying in ${Math.round(delayMs / 1000)} s (attempt ${attempt} of ${attempts})`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(delayMs);
  }
}

/** The URL with its password masked: fit for a log line. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

/** One line for a pg or network error: its message (or its first cause's: Node's AggregateError has none) and code. */
function describe(error: unknown): string {
  const { message, code, errors } = error as { message?: string; code?: string; errors?: unknown[] };
  const text = message || (errors?.[0] as { message?: string } | undefined)?.message || String(error);
  const firstLine = text.split('\n')[0];
  return code && !firstLine.includes(code) ? `${firstLine} (${code})` : firstLine;
}
