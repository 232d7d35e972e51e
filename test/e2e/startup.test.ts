import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { freePort, runGatewayExpectingExit, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_API_TOKEN, TEST_SECRETS_KEY } from '../support/test-app';
import { BASE_DATABASE_URL, EMBEDDED, createTestDatabase, type TestDatabase } from '../support/test-database';

/** What a stack trace looks like in the output: a line starting with "at ". */
const STACK_FRAME = /^\s+at /m;

describe('Start-up against a PostgreSQL server', { skip: EMBEDDED && 'about connecting to a PostgreSQL server: PostgreSQL only' }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await proxy?.close();
    await database?.drop();
  });

  const env = async (databaseUrl: string) => ({
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: TEST_SECRETS_KEY,
    API_TOKENS: TEST_API_TOKEN,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
  });

  it('stops at once, with one line and no stack trace, when waiting cannot help: no such database, unknown role', async () => {
    const missing = new URL(BASE_DATABASE_URL);
    missing.pathname = `/test_missing_${randomBytes(4).toString('hex')}`;
    const unknownRole = new URL(database.url);
    unknownRole.username = `test_no_such_role_${randomBytes(4).toString('hex')}`;
    unknownRole.password = 'not-shown';
    const cases: Array<[URL, RegExp]> = [
      [missing, /^Cannot use the database at postgres:\/\/.*\/test_missing_\w+: database "test_missing_\w+" does not exist \(3D000\); create it/],
      [unknownRole, /^Cannot use the database at postgres:\/\/test_no_such_role_\w+:\*\*\*@.*: .*(role|password|authentication).*\((28000|28P01)\)/],
    ];
    for (const [url, expected] of cases) {
      // Retrying these took ~30 s and printed ~150 lines; a refusal now comes at the first attempt.
      const result = await runGatewayExpectingExit(await env(url.toString()), 25_000);
      assert.equal(result.timedOut, false, `still running after 25 s:\n${result.output}`);
      assert.equal(result.code, 1, result.output);
      const lines = result.output.trim().split('\n');
      assert.equal(lines.length, 1, `one line:\n${result.output}`);
      assert.match(lines[0], expected);
      assert.doesNotMatch(result.output, STACK_FRAME);
      assert.ok(!result.output.includes('not-shown'), 'the password in DATABASE_URL is never printed');
    }
  });

  it('waits for a server that refuses connections, one line per retry, and starts once it answers', async () => {
    proxy = await TcpProxy.start(new URL(database.url));
    proxy.disconnect(); // every connection is cut, as by a server that is not up yet
    let restored = false;
    gateway = await startGatewayProcess(await env(proxy.rewrite(database.url)), 90_000, (output) => {
      if (!restored && /retrying in 3 s \(attempt 1 of 10\)/.test(output)) {
        restored = true;
        proxy!.restore();
      }
    });
    const output = gateway.output();
    const retries = output.split('\n').filter((line) => line.includes('is unreachable'));
    assert.ok(retries.length >= 1, output);
    for (const line of retries) assert.match(line, /^The database at postgres:\/\/.* is unreachable \(.+\); retrying in 3 s \(attempt \d+ of 10\)$/);
    assert.doesNotMatch(output, STACK_FRAME);
    const health = await fetch(`${gateway.baseUrl}/health/ready`);
    assert.equal(health.status, 200);
  });
});
