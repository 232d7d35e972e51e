import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { startApp } from '../../src/app.factory';
import { queryRows } from '../../src/database/query-rows';
import { loadConfig } from '../../src/config/app-config';
import type { VendorModule } from '../../src/vendors/vendor-definition';
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
  /** Rows of one SQL statement, run through the app's own DataSource: works on both databases. */
  query<T = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** What `database` is for an app on the embedded database: it lives in the app's DATA_DIR, gone on close. */
const EMBEDDED_DATABASE: TestDatabase = { url: '', name: 'embedded', drop: async () => undefined };

/**
 * Boots the real application (same factory as production) on a fresh PostgreSQL database with the
 * real migrations, listening on loopback; with `throughProxy`, it reaches PostgreSQL through a TCP
 * proxy the test can cut (see TcpProxy). `vendors`: the app's vendor list, default the gateway's (VENDORS).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; throughProxy?: boolean; vendors?: readonly VendorModule[] } = {},
): Promise<TestApp> {
  const embedded = EMBEDDED && !options.database && !options.throughProxy;
  const database = options.database ?? (embedded ? EMBEDDED_DATABASE : await createTestDatabase());
  const proxy = options.throughProxy ? await TcpProxy.start(new URL(database.url)) : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
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
    query: (sql, params = []) => queryRows(app.get(DataSource), sql, params),
    async close() {
      await app.close();
      await proxy?.close();
      if (!options.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
