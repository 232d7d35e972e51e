import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { sendRaw } from '../support/raw-http';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A consumer on loopback: records every request and answers with `status` (200 unless set). */
class Consumer {
  readonly received: Received[] = [];
  status = 200;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Consumer> {
    let consumer: Consumer | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        consumer!.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(consumer!.status, { 'content-type': 'text/plain' }).end(`consumer says ${consumer!.status}`);
      });
    });
    consumer = new Consumer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return consumer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Whether `standardwebhooks` accepts the request with this secret (the library, not our code). */
  static verifies(secret: string, request: Received): boolean {
    try {
      new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('Destinations API', () => {
  let app: TestApp;
  let consumer: Consumer;
  before(async () => {
    app = await startTestApp();
    consumer = await Consumer.start();
  });
  after(async () => {
    await app?.close();
    await consumer?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const response = await app.api('post', '/api/destinations', { name: 'Orders', url: consumer.url, ...body });
    assert.equal(response.status, 201, response.text);
    return response.body as Record<string, unknown> & { id: string; signingSecret: string };
  };

  it('creates a destination and shows its Standard Webhooks signing secret this once', async () => {
    const created = await create({
      filter: { vendors: ['walnut'], statuses: ['accepted', 'quarantined'], includeTest: true },
      headers: { Authorization: 'Bearer internal-token-123' },
      format: 'raw',
      ordering: 'subscription',
      maxConcurrency: 3,
      rateLimitPerSecond: 20,
      timeoutMs: 5000,
    });
    assert.match(created.signingSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.doesNotThrow(() => new Webhook(created.signingSecret), 'usable by standardwebhooks');
    const { signingSecret, ...view } = created;
    assert.ok(signingSecret);
    const read = await app.api('get', `/api/destinations/${created.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, view, 'the same view, without the secret');
    assert.equal(read.body.signingSecret, undefined);
    assert.deepEqual(
      { ...read.body, id: undefined, createdAt: undefined, updatedAt: undefined },
      {
        id: undefined,
        name: 'Orders',
        url: consumer.url,
        filter: { vendors: ['walnut'], statuses: ['accepted', 'quarantined'], includeTest: true },
        format: 'raw',
        headerNames: ['Authorization'],
        ordering: 'subscription',
        orderingMaxHoldSeconds: null,
        maxConcurrency: 3,
        rateLimitPerSecond: 20,
        timeoutMs: 5000,
        status: 'active',
        disabledReason: null,
        disabledAt: null,
        throttledUntil: null,
        previousSecretExpiresAt: null,
        backlog: 0,
        oldestPendingAt: null,
        health: { window: '1h', attempts: 0, succeeded: 0, throttled: 0, successRate: null, lastSuccessAt: null, lastFailureAt: null, consecutiveFailures: 0, failingSince: null, throttledUntil: null, state: 'idle' },
        blockedHeads: [],
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    const defaults = await create({});
    assert.deepEqual(
      [defaults.filter, defaults.format, defaults.ordering, defaults.orderingMaxHoldSeconds, defaults.maxConcurrency, defaults.rateLimitPerSecond, defaults.timeoutMs, defaults.headerNames],
      [{}, 'envelope', 'none', null, 10, null, 15000, []],
    );
    assert.notEqual(defaults.signingSecret, created.signingSecret);
  });

  it('lists, changes and deletes destinations (404 after delete)', async () => {
    const created = await create({ name: 'To change', headers: { 'X-Token': 'static-value-1' } });
    const list = await app.api('get', '/api/destinations?limit=500');
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((row: { id: string }) => row.id === created.id));
    assert.equal(list.body.total, list.body.data.length);

    const patched = await app.api('patch', `/api/destinations/${created.id}`, {
      name: 'Changed',
      filter: { eventTypes: ['demo_session_finished'] },
      headers: { 'X-Other': 'static-value-2' },
      rateLimitPerSecond: 5,
      timeoutMs: 1000,
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Changed');
    assert.deepEqual(patched.body.filter, { eventTypes: ['demo_session_finished'] });
    assert.deepEqual(patched.body.headerNames, ['X-Other'], 'headers replaced whole');
    assert.equal(patched.body.rateLimitPerSecond, 5);
    assert.equal(patched.body.url, consumer.url, 'left out: unchanged');
    const unlimited = await app.api('patch', `/api/destinations/${created.id}`, { rateLimitPerSecond: null, headers: {} });
    assert.equal(unlimited.body.rateLimitPerSecond, null);
    assert.deepEqual(unlimited.body.headerNames, []);

    const deleted = await app.api('delete', `/api/destinations/${created.id}`);
    assert.equal(deleted.status, 204);
    for (const [method, path] of [
      ['get', ''],
      ['patch', ''],
      ['delete', ''],
      ['post', '/pause'],
      ['post', '/resume'],
      ['post', '/rotate-secret'],
      ['post', '/test'],
      ['post', '/replay'],
    ] as const) {
      const response = await app.api(method, `/api/destinations/${created.id}${path}`, method === 'get' || method === 'delete' ? undefined : {});
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.body.code, 'DESTINATION_NOT_FOUND');
    }
    const after = await app.api('get', '/api/destinations?limit=500');
    assert.ok(!after.body.data.some((row: { id: string }) => row.id === created.id), 'gone from the list');
    assert.equal((await app.api('get', '/api/destinations/not-a-uuid')).status, 404);
  });

  it('never sends the static headers to another origin: moving the url there needs them given again', async () => {
    const other = await Consumer.start();
    try {
      const created = await create({ name: 'Keeps its headers', headers: { Authorization: 'Bearer only-for-orders' } });
      // A token holder cannot read the header values; pointing the URL elsewhere must not hand them out either.
      const moved = await app.api('patch', `/api/destinations/${created.id}`, { url: other.url });
      assert.equal(moved.status, 400, moved.text);
      assert.equal(moved.body.code, 'VALIDATION_FAILED');
      assert.match(moved.body.message, /^headers: /);
      assert.doesNotMatch(moved.text, /only-for-orders/);
      assert.equal((await app.api('get', `/api/destinations/${created.id}`)).body.url, consumer.url, 'unchanged');
      const pinged = await app.api('post', `/api/destinations/${created.id}/test`);
      assert.equal(pinged.body.ok, true, pinged.text);
      assert.equal(other.received.length, 0, 'nothing reached the other origin');

      // Same origin, another path: refused too, as another service may live there.
      const samePlace = await app.api('patch', `/api/destinations/${created.id}`, { url: `${consumer.url}/v2` });
      assert.equal(samePlace.status, 400, samePlace.text);
      assert.match(samePlace.body.message, /^headers: /);
      // Another origin with its headers given (or `{}`) in the same change: allowed.
      const withHeaders = await app.api('patch', `/api/destinations/${created.id}`, { url: other.url, headers: { Authorization: 'Bearer for-the-other' } });
      assert.equal(withHeaders.status, 200, withHeaders.text);
      await app.api('post', `/api/destinations/${created.id}/test`);
      assert.deepEqual(other.received.map((request) => request.headers.authorization), ['Bearer for-the-other']);
      // No static headers stored: the URL moves freely.
      const bare = await create({ name: 'No headers' });
      assert.equal((await app.api('patch', `/api/destinations/${bare.id}`, { url: other.url })).status, 200);
    } finally {
      await other.close();
    }
  });

  it('refuses the metadata address in every spelling: decimal, octal, hex, IPv4-mapped, -compatible, -translated and NAT64 IPv6', async () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://2852039166/',
      'http://0251.0376.0251.0376/',
      'http://0xa9fea9fe/',
      'http://169.254.43518/',
      'http://[::ffff:169.254.169.254]/',
      'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
      'http://[::169.254.169.254]/',
      'http://[::ffff:0:a9fe:a9fe]/',
      'http://[64:ff9b::169.254.169.254]/',
      'http://[fe80::1]/',
      'http://metadata.google.internal./',
    ]) {
      const response = await app.api('post', '/api/destinations', { name: 'Metadata', url });
      assert.equal(response.status, 400, `${url}: ${response.text}`);
      assert.equal(response.body.code, 'DESTINATION_HOST_NOT_ALLOWED', url);
    }
    // Loopback and private addresses are internal services, allowed by default, in their IPv6 forms too.
    for (const url of ['http://[::ffff:127.0.0.1]:1/', 'http://[64:ff9b::10.0.0.1]:1/']) {
      assert.equal((await app.api('post', '/api/destinations', { name: 'Internal', url })).status, 201, url);
    }
  });

  it('pauses, and resumes clearing what disabled or throttled it', async () => {
    const created = await create({});
    const paused = await app.api('post', `/api/destinations/${created.id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    // As the worker leaves it after a 410 and a Retry-After.
    await app.query(
      `UPDATE destinations SET status = 'disabled', disabled_reason = 'the destination answered 410 Gone', disabled_at = now(),
              throttled_until = now() + interval '1 hour', failing_since = now() WHERE id = $1`,
      [created.id],
    );
    const disabled = await app.api('get', `/api/destinations/${created.id}`);
    assert.equal(disabled.body.status, 'disabled');
    assert.equal(disabled.body.disabledReason, 'the destination answered 410 Gone');
    assert.ok(disabled.body.throttledUntil);
    const resumed = await app.api('post', `/api/destinations/${created.id}/resume`);
    assert.equal(resumed.status, 200);
    assert.deepEqual([resumed.body.status, resumed.body.disabledReason, resumed.body.disabledAt, resumed.body.throttledUntil], ['active', null, null, null]);
    const [row] = await app.query<{ failing_since: Date | null }>('SELECT failing_since FROM destinations WHERE id = $1', [created.id]);
    assert.equal(row.failing_since, null);
  });

  it('sends a signed ping that the consumer verifies with standardwebhooks, and reports the answer', async () => {
    const created = await create({ headers: { Authorization: 'Bearer internal-token-123' } });
    const before = consumer.received.length;
    const response = await app.api('post', `/api/destinations/${created.id}/test`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.ok, true);
    assert.equal(response.body.status, 200);
    assert.equal(response.body.response, 'consumer says 200');
    assert.equal(response.body.error, null);
    assert.equal(typeof response.body.durationMs, 'number');
    const [ping] = consumer.received.slice(before);
    assert.ok(Consumer.verifies(created.signingSecret, ping), 'standardwebhooks verifies it');
    assert.match(String(ping.headers['webhook-id']), /^ping_\w+$/);
    assert.equal(ping.headers.authorization, 'Bearer internal-token-123', 'with the static headers');
    assert.equal(ping.headers['content-type'], 'application/json');
    const body = JSON.parse(ping.body);
    assert.deepEqual([body.type, body.destinationId], ['gateway.ping', created.id]);
    assert.ok(!Number.isNaN(Date.parse(body.sentAt)));

    consumer.status = 500;
    try {
      const failing = await app.api('post', `/api/destinations/${created.id}/test`);
      assert.deepEqual([failing.body.ok, failing.body.status, failing.body.response], [false, 500, 'consumer says 500']);
    } finally {
      consumer.status = 200;
    }
    const unreachable = await create({ url: 'http://127.0.0.1:1/hooks', timeoutMs: 1000 });
    const refused = await app.api('post', `/api/destinations/${unreachable.id}/test`);
    assert.equal(refused.status, 200);
    assert.equal(refused.body.ok, false);
    assert.equal(refused.body.status, null);
    assert.match(refused.body.error, /ECONNREFUSED/);
  });

  it('shows previousSecretExpiresAt only while the grace lasts, as subscriptions do', async () => {
    const created = await create({});
    const rotated = await app.api('post', `/api/destinations/${created.id}/rotate-secret`, { graceSeconds: 1 });
    assert.equal(rotated.status, 200, rotated.text);
    assert.ok(rotated.body.previousSecretExpiresAt, 'shown while the grace runs');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await app.api('get', `/api/destinations/${created.id}`)).body.previousSecretExpiresAt, null, 'the grace is over');
  });

  it('rotates the secret with a grace: both signatures are sent, each verifiable; graceSeconds 0 ends the old one', async () => {
    const created = await create({});
    const oldSecret = created.signingSecret;
    const rotated = await app.api('post', `/api/destinations/${created.id}/rotate-secret`, { graceSeconds: 3600 });
    assert.equal(rotated.status, 200, rotated.text);
    const newSecret = rotated.body.signingSecret as string;
    assert.match(newSecret, /^whsec_/);
    assert.notEqual(newSecret, oldSecret);
    assert.ok(Date.parse(rotated.body.previousSecretExpiresAt) > Date.now() + 3500_000);
    assert.equal((await app.api('get', `/api/destinations/${created.id}`)).body.signingSecret, undefined);

    let before = consumer.received.length;
    assert.equal((await app.api('post', `/api/destinations/${created.id}/test`)).body.ok, true);
    const [during] = consumer.received.slice(before);
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2, 'two signatures, space separated');
    assert.ok(Consumer.verifies(oldSecret, during), 'a consumer still on the old secret verifies');
    assert.ok(Consumer.verifies(newSecret, during), 'a consumer on the new secret verifies');

    const again = await app.api('post', `/api/destinations/${created.id}/rotate-secret`, {});
    assert.equal(again.status, 409, 'a second grace while one runs');
    assert.equal(again.body.code, 'ROTATION_IN_GRACE');

    const cut = await app.api('post', `/api/destinations/${created.id}/rotate-secret`, { graceSeconds: 0 });
    assert.equal(cut.status, 200);
    assert.equal(cut.body.previousSecretExpiresAt, null);
    before = consumer.received.length;
    await app.api('post', `/api/destinations/${created.id}/test`);
    const [afterCut] = consumer.received.slice(before);
    assert.equal(String(afterCut.headers['webhook-signature']).split(' ').length, 1);
    assert.ok(Consumer.verifies(cut.body.signingSecret, afterCut));
    assert.ok(!Consumer.verifies(newSecret, afterCut) && !Consumer.verifies(oldSecret, afterCut), 'the earlier secrets no longer sign');
  });

  it('refuses bad settings with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ url: 'ftp://orders.internal/hooks' }, 'VALIDATION_FAILED', /^url must be an http or https URL/],
      [{ url: 'not a url' }, 'VALIDATION_FAILED', /^url must be an absolute/],
      [{ url: 'https://user:pass@orders.internal/hooks' }, 'VALIDATION_FAILED', /^url must not carry credentials/],
      [{ url: 'http://169.254.169.254/latest/meta-data/' }, 'DESTINATION_HOST_NOT_ALLOWED', /^url: 169\.254\.169\.254 is a link-local or cloud-metadata address/],
      [{ url: 'http://[fe80::1]/hooks' }, 'DESTINATION_HOST_NOT_ALLOWED', /^url: fe80::1 is a link-local/],
      [{ url: 'http://metadata.google.internal/computeMetadata/v1/' }, 'DESTINATION_HOST_NOT_ALLOWED', /^url: metadata\.google\.internal is a cloud-metadata host/],
      [{ filter: { vendors: ['stripe'] } }, 'UNKNOWN_VENDOR', /^filter\.vendors: unknown vendor "stripe"/],
      [{ filter: { statuses: ['rejected'] } }, 'VALIDATION_FAILED', /filter\.statuses/],
      [{ filter: { subscriptionIds: ['nope'] } }, 'VALIDATION_FAILED', /filter\.subscriptionIds/],
      [{ filter: { vendors: [] } }, 'VALIDATION_FAILED', /filter\.vendors/],
      [{ maxConcurrency: 0 }, 'VALIDATION_FAILED', /^maxConcurrency must not be less than 1/],
      [{ maxConcurrency: 1001 }, 'VALIDATION_FAILED', /^maxConcurrency must not be greater than 1000/],
      [{ rateLimitPerSecond: 100001 }, 'VALIDATION_FAILED', /^rateLimitPerSecond must not be greater than 100000/],
      [{ timeoutMs: 99 }, 'VALIDATION_FAILED', /^timeoutMs must not be less than 100/],
      [{ timeoutMs: 60001 }, 'VALIDATION_FAILED', /^timeoutMs must not be greater than 60000/],
      [{ format: 'xml' }, 'VALIDATION_FAILED', /^format/],
      [{ ordering: 'global' }, 'VALIDATION_FAILED', /^ordering/],
      [{ startFrom: 'yesterday' }, 'VALIDATION_FAILED', /^startFrom must be "now", "beginning" or an ISO-8601 time/],
      [{ headers: { 'Bad Name': 'x' } }, 'VALIDATION_FAILED', /^headers must use valid HTTP header names/],
      [{ headers: { 'X-Token': 'line\r\nInjected: yes' } }, 'VALIDATION_FAILED', /^headers\.X-Token must be printable ASCII/],
      [{ headers: { Connection: 'close' } }, 'VALIDATION_FAILED', /^headers must not set Connection/],
      [{ headers: { 'Transfer-Encoding': 'chunked' } }, 'VALIDATION_FAILED', /^headers must not set Transfer-Encoding/],
      [{ headers: { 'Webhook-Signature': 'v1,forged' } }, 'VALIDATION_FAILED', /^headers must not set Webhook-Signature: the gateway sets webhook-\*/],
      [{ name: '' }, 'VALIDATION_FAILED', /^name should not be empty/],
    ];
    const stored = async () => (await app.query<{ n: number }>('SELECT count(*)::int AS n FROM destinations'))[0].n;
    const before = await stored();
    for (const [body, code, message] of cases) {
      const response = await app.api('post', '/api/destinations', { name: 'Bad', url: consumer.url, ...body });
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.equal(response.body.code, code, `${JSON.stringify(body)}: ${response.text}`);
      assert.match(response.body.message, message, JSON.stringify(body));
    }
    assert.equal(await stored(), before, 'nothing refused was stored');
    const created = await create({});
    const patched = await app.api('patch', `/api/destinations/${created.id}`, { url: 'http://169.254.169.254/' });
    assert.equal(patched.status, 400);
    assert.equal(patched.body.code, 'DESTINATION_HOST_NOT_ALLOWED');
    assert.equal((await app.api('patch', `/api/destinations/${created.id}`, { startFrom: 'beginning' })).status, 400, 'startFrom is for creation only');
  });

  it('starts the fan-out cursor now, at the beginning, or just before the first event received at a time', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const post = async (n: number) => {
      const body = JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-01-01T00:00:00Z', data: { n } });
      const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
        headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) },
        body,
      });
      assert.equal(response.status, 200, response.text);
      return String(response.body.eventId);
    };
    const first = await post(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await post(2);
    const third = await post(3);
    // What each destination queues once its fan-out has passed every event stored so far (the fan-out
    // starts at creation, so the cursor is not read at once: the events it queues are the proof).
    const [last] = await app.query<{ xid: string; id: string }>('SELECT created_xid::text AS xid, id::text FROM webhook_events ORDER BY created_xid DESC, id DESC LIMIT 1');
    const queuedFrom = async (startFrom?: string) => {
      const { id } = await create({ ...(startFrom && { startFrom }), filter: { statuses: ['accepted', 'quarantined'], subscriptionIds: [subscription.id] } });
      await waitFor('the fan-out to pass every event', async () => {
        const [cursor] = await app.query<{ xid: string; id: string }>('SELECT cursor_xid::text AS xid, cursor_id::text AS id FROM destinations WHERE id = $1', [id]);
        return BigInt(cursor.xid) > BigInt(last.xid) || (cursor.xid === last.xid && BigInt(cursor.id) >= BigInt(last.id));
      });
      const rows = await app.query<{ event_id: string }>('SELECT event_id::text FROM deliveries WHERE destination_id = $1 ORDER BY event_xid, event_id', [id]);
      return rows.map((row) => row.event_id);
    };

    assert.deepEqual(await queuedFrom('beginning'), [first, second, third]);
    assert.deepEqual(await queuedFrom('now'), [], 'nothing stored before now');
    assert.deepEqual(await queuedFrom(), [], 'now is the default');
    assert.deepEqual(await queuedFrom(between), [second, third], 'from the first event received at or after the time');
    assert.deepEqual(await queuedFrom('2999-01-01T00:00:00Z'), [], 'a time after every event');
  });
});

describe('Destinations API with DESTINATION_ALLOWED_HOSTS', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ DESTINATION_ALLOWED_HOSTS: 'orders.internal,*.svc.example.com,127.0.0.1' });
  });
  after(async () => app?.close());

  it('allows only the hosts listed, exact or *.suffix', async () => {
    for (const url of ['https://orders.internal/hooks', 'http://billing.svc.example.com/in', 'http://a.b.svc.example.com/in']) {
      const response = await app.api('post', '/api/destinations', { name: 'Allowed', url });
      assert.equal(response.status, 201, `${url}: ${response.text}`);
    }
    for (const url of ['https://billing.internal/hooks', 'http://svc.example.com/in', 'http://evilsvc.example.com/in', 'http://localhost:4000/in']) {
      const response = await app.api('post', '/api/destinations', { name: 'Refused', url });
      assert.equal(response.status, 400, url);
      assert.equal(response.body.code, 'DESTINATION_HOST_NOT_ALLOWED');
      assert.match(response.body.message, /^url: .* is not in DESTINATION_ALLOWED_HOSTS/);
    }
  });

  it('checks the rule again before a test ping: a URL stored under another rule is not called', async () => {
    const created = await app.api('post', '/api/destinations', { name: 'Allowed', url: 'http://127.0.0.1:1/in' });
    await app.query("UPDATE destinations SET url = 'http://localhost:1/in' WHERE id = $1", [created.body.id]);
    const response = await app.api('post', `/api/destinations/${created.body.id}/test`);
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'DESTINATION_HOST_NOT_ALLOWED');
  });
});
