import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { queryRows } from '../../src/database/query-rows';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';
import { productionNodeArgs, REPO_ROOT } from './paths';
import { EMBEDDED, createTestDatabase, queryDatabase } from './test-database';

/** A free loopback port, found by binding port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface GatewayProcess {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the built service as `npm run start:prod` runs it (`node <its flags> dist/src/main.js`), as
 * its own process with exactly the given environment, and waits until it answers /health/live.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  /** Called with all the output so far on every chunk, while it starts and after. */
  onOutput?: (output: string) => void,
): Promise<GatewayProcess> {
  const port = env.PORT ?? String(await freePort());
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => ['PATH', 'HOME', 'LANG', 'TMPDIR'].includes(name)));
  const child = spawn(process.execPath, [...productionNodeArgs(), join(REPO_ROOT, 'dist', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...inherited, HOST: '127.0.0.1', PORT: port, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
    onOutput?.(output);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Ready when it answers its liveness probe (whatever LOG_LEVEL hides).
  const baseUrl = `http://127.0.0.1:${port}`;
  let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((result) => (exitedEarly = result));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedEarly) throw new Error(`gateway exited (${exitedEarly.code ?? exitedEarly.signal}) before answering:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // never leave a half-started gateway behind the test
      throw new Error(`gateway did not answer /health/live within ${timeoutMs} ms:\n${output}`);
    }
    const live = await fetch(`${baseUrl}/health/live`).then((response) => response.ok, () => false);
    if (live) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    baseUrl,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Runs the service expecting it to refuse to start; returns its exit code and output. One that is
 * still running after `timeoutMs` (it did not refuse) is killed: code null, `timedOut` true.
 */
export async function runGatewayExpectingExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string; timedOut: boolean; durationMs: number }> {
  const started = Date.now();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => ['PATH', 'HOME'].includes(name)));
  const child = spawn(process.execPath, [...productionNodeArgs(), join(REPO_ROOT, 'dist', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...inherited, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, output, timedOut, durationMs: Date.now() - started };
}

/** The database a test's gateway processes run on, for the test command's pass: see gatewayDatabase(). */
export interface GatewayDatabase {
  /** DATABASE_URL of a fresh PostgreSQL database, or (embedded pass) DATA_DIR of a fresh directory. */
  env: Record<string, string>;
  /**
   * Rows of one SQL statement on that database. The embedded database admits one process at a time:
   * there, call it only while no gateway runs on it (it opens DATA_DIR itself, then closes it).
   */
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh database for gateway processes: PostgreSQL, or on the embedded pass a DATA_DIR of its own. */
export async function gatewayDatabase(): Promise<GatewayDatabase> {
  if (!EMBEDDED) {
    const database = await createTestDatabase();
    return { env: { DATABASE_URL: database.url }, query: (sql, params = []) => queryDatabase(database.url, sql, params), drop: () => database.drop() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-process-'));
  return {
    env: { DATA_DIR: dataDir },
    async query(sql, params = []) {
      const dataSource = await new DataSource({ ...buildDataSourceOptions({ dataDir }, definitionsOf(VENDORS)), logging: false }).initialize();
      try {
        return await queryRows(dataSource, sql, params);
      } finally {
        await dataSource.destroy();
      }
    },
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
