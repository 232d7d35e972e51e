import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/app-config';
import { createHttpLogger } from '../../src/observability/http-logger';

interface Written {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/**
 * Which request lines are errors (the lean request log, LOG_LEVEL warn, in a real node:http server,
 * its pino logger recording instead of writing): a refusal answered with its code is `warn` without
 * an error object; a 5xx without a code, or INTERNAL_ERROR, is `error`. The full pino-http path is
 * checked over HTTP by test/e2e/request-logs-levels.test.ts.
 */
describe('Request log levels (lean request log)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-http-levels-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function answer(status: number, code?: string): Promise<Written> {
    const { logger, middleware } = createHttpLogger(loadConfig({ DATA_DIR: dataDir, API_TOKENS: 'a-token-of-sixteen-chars', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }));
    const written: Written[] = [];
    const recorder = (bindings: Record<string, unknown> = {}): unknown => {
      const write = (level: string) => (fields: Record<string, unknown>, msg: string) => written.push({ level, fields: { ...bindings, ...fields }, msg });
      return { child: (more: Record<string, unknown>) => recorder({ ...bindings, ...more }), warn: write('warn'), error: write('error'), info: write('info') };
    };
    logger.child = recorder as never;
    let closed!: () => void;
    const answered = new Promise<void>((resolve) => (closed = resolve));
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      middleware(req, res, () => {
        // What the error filter notes on every answer it gives.
        if (code) (res as ServerResponse & { locals?: unknown }).locals = { error: { code, message: 'm' } };
        res.statusCode = status;
        res.end();
      });
      res.once('close', closed);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/x`)).text();
      await answered;
    } finally {
      server.close();
    }
    assert.equal(written.length, 1);
    return written[0];
  }

  it('writes an expected 503 (with its code) at warn, with the code and no error object', async () => {
    const line = await answer(503, 'DATABASE_UNAVAILABLE');
    assert.equal(line.level, 'warn');
    assert.equal(line.fields.code, 'DATABASE_UNAVAILABLE');
    assert.equal(line.fields.err, undefined);
  });

  it('writes a 500 INTERNAL_ERROR, and a 5xx with no code, at error, without a made-up error', async () => {
    for (const [status, code] of [
      [500, 'INTERNAL_ERROR'],
      [502, undefined],
    ] as const) {
      const line = await answer(status, code);
      assert.equal(line.level, 'error', `${status} ${code}`);
      assert.equal(line.fields.err, undefined, 'the stack of what went wrong is in the error filter’s line, not a stand-in’s');
    }
  });

  it('writes a 4xx at warn with its code', async () => {
    const line = await answer(404, 'NOT_FOUND');
    assert.equal(line.level, 'warn');
    assert.equal(line.fields.code, 'NOT_FOUND');
  });
});
