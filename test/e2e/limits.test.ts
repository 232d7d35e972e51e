import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';

const SECOND_TOKEN = 'second-token-0123456789';

/** Opens a raw connection, writes `data`, and resolves with what the server sent until it closed. */
function rawExchange(app: TestApp, data: string, opts: { keepOpenMs?: number } = {}): Promise<{ answer: string; closedAfterMs: number }> {
  const { port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), '127.0.0.1', () => socket.write(data));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    if (opts.keepOpenMs) setTimeout(() => socket.destroy(), opts.keepOpenMs);
  });
}

describe('Limits', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ API_TOKENS: `${TEST_API_TOKEN},${SECOND_TOKEN}`, API_RATE_LIMIT: '5', BODY_LIMIT: '64kb', HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1500' });
  });
  after(async () => app?.close());

  it('rate-limits the management API per token with a clear 429, never the vendors', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' }); // 1 of 5
    for (let n = 2; n <= 5; n++) assert.equal((await app.api('get', '/api/subscriptions')).status, 200, `request ${n}`);
    const limited = await app.api('get', '/api/subscriptions');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0, 'says when to come back');
    const other = await app.http().get('/api/subscriptions').set('Authorization', `Bearer ${SECOND_TOKEN}`);
    assert.equal(other.status, 200, 'another token has its own budget');

    const body = fixture('walnut-demo-session-finished.json');
    for (let n = 0; n < 20; n++) {
      const delivery = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
        headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) },
        body,
      });
      assert.equal(delivery.status, 200, 'vendor traffic is never throttled');
    }
  });

  it('limits guesses without a valid token per client address', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++) statuses.push((await app.http().get('/api/events').set('Authorization', `Bearer guess-${n}-0123456789`)).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(statuses.slice(5).every((status) => status === 429), String(statuses));
  });

  it('refuses a body over BODY_LIMIT from its Content-Length, before reading it', async () => {
    const { answer, closedAfterMs } = await rawExchange(
      app,
      'POST /webhooks/walnut/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n{"a":',
      { keepOpenMs: 5000 },
    );
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /PAYLOAD_TOO_LARGE/);
    assert.ok(closedAfterMs < 4000, 'answered without waiting for the 10 MB that never come');
  });

  it('cuts off a client that sends its headers too slowly (slowloris)', async () => {
    const { answer, closedAfterMs } = await rawExchange(app, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ', { keepOpenMs: 10_000 });
    assert.ok(closedAfterMs < 8000, `the server closed the connection after ${closedAfterMs} ms`);
    assert.match(answer, /^HTTP\/1\.1 408 |^$/, 'with 408 Request Timeout, or simply closed');
  });

  it('refuses headers larger than Node’s limit with 431', async () => {
    const { answer } = await rawExchange(app, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, { keepOpenMs: 5000 });
    assert.match(answer, /^HTTP\/1\.1 431 /);
  });
});
