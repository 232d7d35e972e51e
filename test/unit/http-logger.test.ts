import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/app-config';
import { createHttpLogger, requestLogger } from '../../src/observability/http-logger';

interface Written {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/**
 * The lean request log (LOG_LEVEL warn and up) in a real node:http server, with the pino logger's
 * child() replaced by a recorder: what would be written, and that nothing is made when nothing is.
 */
describe('Request log above info', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-http-logger-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ written: Written[]; children: number; status: number }> {
    const { logger, middleware } = createHttpLogger(loadConfig({ DATA_DIR: dataDir, API_TOKENS: 'a-token-of-sixteen-chars', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }));
    const written: Written[] = [];
    let children = 0;
    const recorder = (): unknown => {
      children += 1;
      const write = (level: string) => (fields: Record<string, unknown>, msg: string) => written.push({ level, fields, msg });
      return { child: recorder, warn: write('warn'), error: write('error'), info: write('info') };
    };
    logger.child = recorder as never;
    let closed!: () => void;
    const answered = new Promise<void>((resolve) => (closed = resolve));
    const server = createServer((req, res) => {
      middleware(req, res, () => handle(req, res));
      // Registered after the middleware's own 'close' listener, so it runs once the line is written.
      res.once('close', closed);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/walnut/x`, { method: 'POST', body: '{}' });
      await response.text();
      await answered;
      return { written, children, status: response.status };
    } finally {
      server.close();
    }
  }

  it('writes nothing, and makes no child logger, for a 2xx', async () => {
    const { written, children, status } = await serve((_req, res) => res.end('ok'));
    assert.equal(status, 200);
    assert.deepEqual(written, []);
    assert.equal(children, 0);
  });

  it("logs an 'error' the response emits with the request's line instead of letting it crash the process", async () => {
    const { written, status } = await serve((_req, res) => {
      res.emit('error', new Error('boom'));
      res.end('ok');
    });
    assert.equal(status, 200);
    assert.equal(written.length, 1);
    assert.equal(written[0].level, 'error');
    assert.equal((written[0].fields.err as Error).message, 'boom');
    assert.equal(written[0].msg, 'POST /webhooks/walnut/x 200');
  });

  it("gives code that logs about a request the request's logger, made on first use", async () => {
    const { written } = await serve((req, res) => {
      requestLogger(req)!.warn({ context: 'Test' }, 'about this request');
      res.statusCode = 404;
      res.end();
    });
    assert.deepEqual(
      written.map((line) => [line.level, line.msg]),
      [
        ['warn', 'about this request'],
        ['warn', 'POST /webhooks/walnut/x 404'],
      ],
    );
  });
});
