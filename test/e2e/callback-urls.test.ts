import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/gateway-process';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { sendSampleDelivery } from '../../src/webhooks/sample-sender';
import { walnutVendor } from '../../src/vendors/walnut/walnut.vendor';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A server on loopback that records every request it gets and answers with `answer`. */
async function listener(answer: (res: ServerResponse) => void): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, received };
}

const FLOOD_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

describe('Callback URLs go only to allowed hosts, and their answers are read up to a cap', () => {
  let app: TestApp;
  let port: number;
  let intruder: Awaited<ReturnType<typeof listener>>;
  let flood: Awaited<ReturnType<typeof listener>>;
  /** Bytes the flood listener managed to write before the gateway closed the connection. */
  const floodWritten: number[] = [];

  before(async () => {
    // An internal service on the gateway's own machine: same address as the gateway, another port.
    intruder = await listener((res) => res.end('{"internal":"data"}'));
    // An allowed callback host that answers 50 MB, written as fast as the reader takes it.
    flood = await listener((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      let written = 0;
      let closed = false;
      res.on('close', () => {
        closed = true;
        floodWritten.push(written);
      });
      const pump = () => {
        while (!closed && written < FLOOD_BYTES) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        if (!closed) res.end();
      };
      pump();
    });
    port = await freePort();
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      CALLBACK_ALLOWED_HOSTS: `hooks.example.com, 127.0.0.1:${flood.port}`,
    });
  });
  after(async () => {
    await app?.close();
    intruder?.server.close();
    flood?.server.closeAllConnections();
    flood?.server.close();
  });

  it('refuses a callback URL on a host that is not allowed, at creation and in a PATCH, naming the setting', async () => {
    const total = async () => (await app.api('get', '/api/subscriptions?limit=500')).body.total;
    const before = await total();
    for (const callbackUrl of [
      `http://127.0.0.1:${intruder.port}/anything`,
      `http://localhost:${port}/webhooks/walnut/x`,
      'http://127.0.0.1/webhooks/walnut/x',
      'https://internal.example.net/hook',
      'https://hooks.example.com:8443/walnut',
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const refused = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'elsewhere', callbackUrl });
      assert.equal(refused.status, 400, callbackUrl);
      assert.equal(refused.body.code, 'CALLBACK_HOST_NOT_ALLOWED', callbackUrl);
      assert.match(refused.body.message, /CALLBACK_ALLOWED_HOSTS/);
      assert.match(refused.body.message, /PUBLIC_BASE_URL/);
    }
    assert.equal(await total(), before, 'nothing was created');

    const proxied = await createSubscription(app, { vendor: 'walnut', callbackUrl: 'https://hooks.example.com/walnut/abc' });
    assert.equal(proxied.callbackUrl, 'https://hooks.example.com/walnut/abc');
    const own = await createSubscription(app, { vendor: 'walnut', callbackUrl: `http://127.0.0.1:${port}/prefix/webhooks/walnut/x` });

    const patched = await app.api('patch', `/api/subscriptions/${own.id}`, { callbackUrl: `http://127.0.0.1:${intruder.port}/steal`, name: 'renamed' });
    assert.equal(patched.status, 400);
    assert.equal(patched.body.code, 'CALLBACK_HOST_NOT_ALLOWED');
    const unchanged = await app.api('get', `/api/subscriptions/${own.id}`);
    assert.equal(unchanged.body.callbackUrl, own.callbackUrl, 'a refused PATCH changes nothing');
    assert.equal(unchanged.body.name, own.name);
    const moved = await app.api('patch', `/api/subscriptions/${own.id}`, { callbackUrl: 'http://hooks.example.com/walnut/own' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(intruder.received.length, 0);
  });

  it('never calls a host that is not allowed, even one stored before the rule: the listener sees no request and no secret', async () => {
    const subscription = await createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'], requiredHeaders: { 'X-Api-Key': 'required-header-value' } });
    assert.equal((await app.api('patch', `/api/subscriptions/${subscription.id}`, { callbackUrl: `http://127.0.0.1:${intruder.port}/steal` })).status, 400);
    const withHeadCheck = await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-value' });
    // Stored while the rule or the configuration was different.
    for (const id of [subscription.id, withHeadCheck.id]) {
      await app.query('UPDATE subscriptions SET callback_url = $2 WHERE id = $1', [id, `http://127.0.0.1:${intruder.port}/steal`]);
      const response = await app.api('post', `/api/subscriptions/${id}/test-event`);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.code, 'CALLBACK_HOST_NOT_ALLOWED');
      assert.match(response.body.message, /CALLBACK_ALLOWED_HOSTS/);
    }
    assert.deepEqual(intruder.received, [], 'not even a HEAD reached the listener');
    const everything = JSON.stringify(intruder.received);
    assert.ok(!everything.includes(subscription.secret!) && !everything.includes('required-header-value'));
  });

  it('reads at most 64 KB of a callback’s answer, closes the connection on the rest, and says so', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut', callbackUrl: `http://127.0.0.1:${flood.port}/flood` });
    const response = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 500));
    const { delivery } = response.body;
    assert.equal(delivery.status, 200);
    assert.equal(delivery.responseTruncated, true);
    assert.equal(delivery.response, 'x'.repeat(2000), 'the report shows the first 2000 characters of what was read');
    assert.equal(flood.received.length, 1);
    const [written] = await waitFor('the flood’s connection closed', async () => (floodWritten.length > 0 ? floodWritten : undefined));
    assert.ok(written < FLOOD_BYTES, `the gateway stopped reading: ${written} of ${FLOOD_BYTES} bytes were ever written`);

    const small = await createSubscription(app, { vendor: 'walnut' });
    const whole = await app.api('post', `/api/subscriptions/${small.id}/test-event`);
    assert.equal(whole.body.delivery.responseTruncated, undefined, 'a short answer is read whole');
    assert.equal(whole.body.delivery.response.received, true);
  });

  it('gives up on an answer that drips in slower than the timeout', async () => {
    const drip = await listener((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      // One byte every 50 ms for 3 s: never idle, never done within the 500 ms allowed.
      const timer = setInterval(() => res.write('.'), 50);
      setTimeout(() => {
        clearInterval(timer);
        res.end();
      }, 3000);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const report = await sendSampleDelivery(walnutVendor, { secret: 'drip-secret-123', callbackUrl: `http://127.0.0.1:${drip.port}/`, signature: {}, vendorRef: null }, { timeoutMs: 500 });
      assert.equal(report.ok, false);
      assert.equal(report.status, null);
      assert.match(report.error!, /no complete answer within 500 ms/);
    } finally {
      drip.server.closeAllConnections();
      drip.server.close();
    }
  });
});
