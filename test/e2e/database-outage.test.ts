import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription, listEvents, storedEvents, type CreatedSubscription } from '../support/subscriptions';
import { waitFor } from '../support/wait';
import type { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';

describe('Database outage', { skip: EMBEDDED && 'cuts the connection to a PostgreSQL server with a TCP proxy: PostgreSQL only' }, () => {
  let app: TestApp;
  let proxy: TcpProxy;
  let subscription: CreatedSubscription;

  before(async () => {
    app = await startTestApp({}, { throughProxy: true });
    proxy = app.proxy!;
    subscription = await createSubscription(app, { vendor: 'walnut' });
  });
  after(() => app?.close());

  function body(n: number): Buffer {
    return Buffer.from(JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-01-01T00:00:00Z', data: { demo: { id: `d${n}` }, session_id: `s${n}` } }));
  }
  function deliver(n: number) {
    return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, body(n)) },
      body: body(n),
    });
  }

  it('under load: never a 2xx without a stored row, 503 while cut off, and each event once after the retries', async () => {
    const bodies = Array.from({ length: 400 }, (_, n) => body(1000 + n));
    const statuses = new Map<number, number>();
    let next = 0;
    const senders = Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const n = next++;
        const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
          headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, bodies[n]) },
          body: bodies[n],
        }).catch(() => ({ status: 0, headers: new Headers() }));
        statuses.set(n, response.status);
        if (response.status === 503) assert.equal(response.headers.get('retry-after'), '5');
        if (n === 100) proxy.disconnect();
        if (n === 250) proxy.restore();
      }
    });
    await Promise.all(senders);
    const answered = [...statuses.values()];
    assert.ok(answered.includes(503), 'the outage was felt');
    assert.ok(answered.every((status) => status === 200 || status === 503), `only 200 or 503: ${[...new Set(answered)]}`);
    await waitFor('the gateway to recover', async () => (await app.http().get('/health/ready')).status === 200);

    const stored = new Set((await listEvents(app, { subscriptionId: subscription.id, limit: '500' })).map((event) => (event.payload as { data: { session_id: string } }).data.session_id));
    for (const [n, status] of statuses) {
      if (status === 200) assert.ok(stored.has(`s${1000 + n}`), `acknowledged ${n} is stored`);
    }
    for (const [n, status] of statuses) {
      if (status !== 200) {
        const retry = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
          headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, bodies[n]) },
          body: bodies[n],
        });
        assert.equal(retry.status, 200);
      }
    }
    assert.equal(await storedEvents(app, subscription.id), bodies.length, 'every event once');
  });

  it('answers 503 with Retry-After while the database is unreachable, and recovers by itself', async () => {
    const storedBefore = await storedEvents(app, subscription.id);
    assert.equal((await deliver(1)).status, 200);
    assert.equal((await app.http().get('/health')).status, 200);

    proxy.disconnect();
    const during = await Promise.all([2, 3, 4].map((n) => deliver(n)));
    for (const response of during) {
      assert.equal(response.status, 503, response.text);
      assert.equal(response.body.code, 'DATABASE_UNAVAILABLE');
      assert.equal(response.headers.get('retry-after'), '5');
    }
    const health = await app.http().get('/health');
    assert.equal(health.status, 503);
    assert.equal(health.headers['retry-after'], '5');
    const api = await app.api('get', '/api/events');
    assert.equal(api.status, 503);

    proxy.restore();
    let recovered = false;
    for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
      recovered = (await app.http().get('/health')).status === 200;
      if (!recovered) await sleep(200);
    }
    assert.ok(recovered, 'the gateway reconnects without a restart');
    // The vendor retries what was refused: each stored once.
    for (const n of [2, 3, 4, 2]) assert.equal((await deliver(n)).status, 200);
    assert.equal(await storedEvents(app, subscription.id), storedBefore + 4, 'events 1–4, each once');
  });
});
