import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startApp } from '../../src/app.factory';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { queryRows } from '../../src/database/query-rows';
import { loadConfig } from '../../src/config/app-config';
import { definitionsOf, type VendorModule } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';
import { TcpProxy } from './tcp-proxy';
import { EMBEDDED, createTestDatabase, type TestDatabase } from './test-database';

export const TEST_API_TOKEN = 'test-token-0123456789abcdef';
/** SECRETS_KEY of the test apps (32 bytes, hex). */
export const TEST_SECRETS_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  database: TestDatabase;
  /** With `throughProxy`: the proxy between the app and PostgreSQL, to cut and restore. */
  proxy?: TcpProxy;
  http: () => ReturnType<typeof request>;
  /** Management API call with the test token. */
  api(method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: object): request.Test;
  /**
   * Rows of one SQL statement, run through the app's own DataSource: works on both databases. After
   * stop(), through a DataSource of the test's own on the same database (for the embedded one, its DATA_DIR).
   */
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the app (a graceful shutdown) but keeps its database, so query() can read what it left. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** What `database` is for an app on the embedded database: it lives in the app's DATA_DIR, gone on close. */
const EMBEDDED_DATABASE: TestDatabase = { url: '', name: 'embedded', drop: async () => undefined };

/**
 * Boots the real application (same factory as production) on a fresh PostgreSQL database with the
 * real migrations (on the embedded pass, TEST_DATABASE=embedded: a fresh embedded database in its
 * DATA_DIR), listening on loopback. `database`: an existing one instead (createTestDatabase, or
 * createPassDatabase for either pass), kept on close. With `throughProxy`, it reaches PostgreSQL
 * through a TCP proxy the test can cut (see TcpProxy). `vendors`: the app's vendor list, default the
 * gateway's (VENDORS).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; throughProxy?: boolean; vendors?: readonly VendorModule[] } = {},
): Promise<TestApp> {
  if (options.database === EMBEDDED_DATABASE) {
    // Else the second app would quietly get an embedded database of its own, not the first one's.
    throw new Error(
      "Two apps at once cannot share an embedded database (one process holds it): skip this test on the embedded pass ({ skip: EMBEDDED && 'why' }), or start them one after another on createPassDatabase()",
    );
  }
  // An embedded database given (createPassDatabase) outlives the app; one of its own goes with it.
  const givenDataDir = options.database?.dataDir;
  const embedded = givenDataDir !== undefined || (EMBEDDED && !options.database && !options.throughProxy);
  const database = options.database ?? (embedded ? EMBEDDED_DATABASE : await createTestDatabase());
  const proxy = options.throughProxy ? await TcpProxy.start(new URL(database.url)) : undefined;
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const config = loadConfig({
    ...(embedded ? {} : { DATABASE_URL: proxy ? proxy.rewrite(database.url) : database.url }),
    DATA_DIR: dataDir,
    API_TOKENS: TEST_API_TOKEN,
    SECRETS_KEY: TEST_SECRETS_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'fatal',
    PUBLIC_BASE_URL: 'https://gateway.example.com',
    ...env,
  });
  const app = await startApp(config, { vendors: options.vendors });
  const baseUrl = await app.getUrl();
  const http = () => request(app.getHttpServer());
  let stopped: Promise<void> | undefined;
  // After stop(): the stopped app's database, opened by the test (and closed by close()).
  let afterStop: Promise<DataSource> | undefined;
  const stop = () => (stopped ??= app.close());
  const openAfterStop = () =>
    (afterStop ??= (async () => {
      await stopped;
      const settings = buildDataSourceOptions({ databaseUrl: config.databaseUrl, dataDir }, definitionsOf(options.vendors ?? VENDORS));
      return new DataSource({ ...settings, logging: false }).initialize();
    })());
  return {
    app,
    baseUrl,
    database,
    proxy,
    http,
    api: (method, path, body) => {
      const call = http()[method](path).set('Authorization', `Bearer ${TEST_API_TOKEN}`);
      return body === undefined ? call : call.send(body);
    },
    query: async (sql, params = []) => queryRows(stopped ? await openAfterStop() : app.get(DataSource), sql, params),
    stop,
    async close() {
      await stop();
      if (afterStop) await (await afterStop).destroy();
      await proxy?.close();
      if (!options.database) await database.drop();
      if (givenDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
