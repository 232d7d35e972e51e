import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { sendRaw } from '../support/raw-http';
import { TEST_SECRETS_KEY } from '../support/test-app';
import { createTestDatabase, EMBEDDED, type TestDatabase } from '../support/test-database';

const TOKEN = 'log-levels-test-token-0123456789';

/**
 * A refusal the gateway means to give (a 4xx, a 503 with its code) is one `warn` line with the
 * code; only what nobody planned is an error with a stack. pino-http gave every 5xx an `err` with
 * a made-up stack ("failed with status code 503"), at `error`.
 */
describe('Request log levels', () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let gateway: GatewayProcess | undefined;

  before(async () => {
    const where: Record<string, string> = EMBEDDED ? { DATA_DIR: (dataDir = mkdtempSync(join(tmpdir(), 'gateway-log-levels-'))) } : { DATABASE_URL: (database = await createTestDatabase()).url };
    // InsideView left unconfigured: creating one of its subscriptions is refused with 503 INSIDEVIEW_NOT_CONFIGURED.
    gateway = await startGatewayProcess({ ...where, SECRETS_KEY: TEST_SECRETS_KEY, API_TOKENS: TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'log' });
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes an expected 503 and the 4xx refusals as one warn line each, with their code and no stack', async () => {
    const send = (method: string, path: string, id: string, headers: Record<string, string> = {}, body?: string) =>
      sendRaw(gateway!.baseUrl, method, path, { headers: { 'X-Request-Id': id, ...headers }, body });
    const notConfigured = await send(
      'POST',
      '/api/subscriptions',
      'not-configured-1',
      { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      JSON.stringify({ vendor: 'insideview', name: 'x', insideview: { subscriptionType: 'company', companyIds: ['1'] } }),
    );
    assert.equal(notConfigured.status, 503);
    assert.equal(notConfigured.body.code, 'INSIDEVIEW_NOT_CONFIGURED');
    assert.equal((await send('GET', '/api/events', 'no-token-1')).status, 401);
    assert.equal((await send('GET', '/no-such-page', 'unknown-1')).status, 404);
    assert.equal((await send('GET', '/health/live', 'live-1')).status, 200);

    await gateway!.stop('SIGTERM');
    const output = gateway!.output();
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    const line = (id: string) => {
      const found = lines.filter((candidate) => candidate.req?.id === id);
      assert.equal(found.length, 1, `one line for ${id}:\n${output}`);
      return found[0];
    };
    for (const [id, status, code] of [
      ['not-configured-1', 503, 'INSIDEVIEW_NOT_CONFIGURED'],
      ['no-token-1', 401, 'UNAUTHORIZED'],
      ['unknown-1', 404, 'NOT_FOUND'],
    ] as const) {
      const refused = line(id);
      assert.equal(refused.level, 40, `${id} at warn`);
      assert.equal(refused.res.statusCode, status);
      assert.equal(refused.code, code, `${id} names its code`);
      assert.equal(refused.err, undefined, `${id} has no error object (and no stack)`);
    }
    const live = line('live-1');
    assert.equal(live.level, 30);
    assert.equal(live.code, undefined);
    assert.ok(!lines.some((candidate) => candidate.level >= 50), `nothing at error:\n${output}`);
    assert.doesNotMatch(output, /\\n\s+at |^\s+at /m, 'no stack trace anywhere');
  });
});
