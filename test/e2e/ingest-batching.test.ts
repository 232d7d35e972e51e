import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { EventWriter, SubscriptionGoneError, type EventRow } from '../../src/events/event-writer';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription, storedEvents, type CreatedSubscription } from '../support/subscriptions';
import type { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED, queryDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/**
 * Concurrent deliveries are coalesced into one INSERT per tick (EventWriter) and their subscription
 * lookups into one query per tick (SubscriptionLookup). Each delivery must still be answered as if it
 * had come alone: only after its own row is committed, told whether it was a duplicate, never 2xx
 * when its batch failed.
 */
function walnutBody(tag: string): Buffer {
  return Buffer.from(JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-05-01T10:00:00Z', data: { demo: { id: 'd1' }, session_id: tag } }));
}

/** An accepted Walnut event as the ingest service would hand it to the EventWriter. */
function eventRow(subscriptionId: string, dedupeKey: string, body: Buffer): EventRow {
  return {
    subscriptionId,
    vendor: 'walnut',
    eventType: 'demo_session_finished',
    dedupeKey,
    status: 'accepted',
    validationErrors: null,
    occurredAt: null,
    headers: '{}',
    payload: body.toString(),
    rawBody: body,
    isTest: false,
    activate: true,
  };
}

function deliver(app: TestApp, subscription: CreatedSubscription, body: Buffer) {
  return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
    headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) },
    body,
  });
}

describe('Coalesced ingest', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  it('stores identical deliveries written in the same batch once: one new, the others duplicates with its id', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const writer = app.app.get(EventWriter);
    const row = eventRow(subscription.id, 'same-batch-key', walnutBody('same-batch'));
    // Submitted in one tick, so one batch by construction.
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => writer.write({ ...row })));
    assert.deepEqual(
      results.map((result) => result.duplicate),
      [false, true, true, true, true],
      'the first delivery is the new one',
    );
    assert.equal(new Set(results.map((result) => result.id)).size, 1, 'one event id for all');
    assert.equal(await storedEvents(app, subscription.id), 1);
    // A later batch finds it too.
    const later = await writer.write({ ...row });
    assert.deepEqual(later, { ...results[0], duplicate: true });
  });

  it('answers concurrent HTTP deliveries of distinct and repeated events exactly once each', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const bodies = Array.from({ length: 40 }, (_, i) => walnutBody(`concurrent-${i}`));
    // Every event three times, all at once.
    const sends = [...bodies, ...bodies, ...bodies].map((body) => deliver(app, subscription, body).then((response) => ({ body, response })));
    const answers = await Promise.all(sends);
    for (const { response } of answers) assert.equal(response.status, 200, response.text);
    for (const body of bodies) {
      const mine = answers.filter((answer) => answer.body === body).map((answer) => answer.response.body);
      assert.equal(mine.filter((receipt) => !receipt.duplicate).length, 1, 'exactly one answer says new');
      assert.equal(new Set(mine.map((receipt) => receipt.eventId)).size, 1, 'every answer names the same event');
    }
    assert.equal(await storedEvents(app, subscription.id), bodies.length);
  });

  it('activates every pending subscription of a batch, and reads each delivery’s own subscription', async () => {
    const subscriptions = await Promise.all([1, 2, 3].map(() => createSubscription(app, { vendor: 'walnut' })));
    const disabled = await createSubscription(app, { vendor: 'walnut' });
    assert.equal((await app.api('post', `/api/subscriptions/${disabled.id}/disable`, {})).status, 200);
    const answers = await Promise.all([
      ...subscriptions.map((subscription, i) => deliver(app, subscription, walnutBody(`activate-${i}`))),
      deliver(app, disabled, walnutBody('disabled')),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 410],
    );
    for (const subscription of subscriptions) {
      const view = await app.api('get', `/api/subscriptions/${subscription.id}`);
      assert.equal(view.body.status, 'ACTIVE');
      assert.ok(view.body.lastEventAt);
    }
    // Not cached between ticks: enabling it takes effect on the very next delivery.
    assert.equal((await app.api('post', `/api/subscriptions/${disabled.id}/enable`)).status, 200);
    assert.equal((await deliver(app, disabled, walnutBody('enabled'))).status, 200);
  });

  it('stores the rest of a batch when one body is JSON that jsonb refuses, and that one with its raw bytes', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const refused = Buffer.from('{"event":"demo_session_finished","timestamp":"2024-05-01T10:00:00Z","data":{"note":"nul \\u0000 here"}}');
    const bodies = [walnutBody('beside-1'), refused, walnutBody('beside-2')];
    const answers = await Promise.all(bodies.map((body) => deliver(app, subscription, body)));
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    assert.equal(await storedEvents(app, subscription.id), 3);
    const stored = await app.api('get', `/api/events/${answers[1].body.eventId}`);
    assert.equal(Buffer.from(stored.body.rawBody, 'base64').toString(), refused.toString());
  });

  it('stores the rest of a batch when one row’s subscription is gone (foreign key), and fails that row alone', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const writer = app.app.get(EventWriter);
    const row = (subscriptionId: string, dedupeKey: string) => eventRow(subscriptionId, dedupeKey, walnutBody(dedupeKey));
    // Submitted in one tick, so one batch by construction; the middle row names no subscription.
    const results = await Promise.allSettled([
      writer.write(row(subscription.id, 'fk-beside-1')),
      writer.write(row('00000000-0000-4000-8000-000000000000', 'fk-gone')),
      writer.write(row(subscription.id, 'fk-beside-2')),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof SubscriptionGoneError);
    assert.equal(await storedEvents(app, subscription.id), 2);
  });
});

describe('Coalesced ingest during a database outage', { skip: EMBEDDED && 'cuts the connection to a PostgreSQL server with a TCP proxy: PostgreSQL only' }, () => {
  let app: TestApp;
  let proxy: TcpProxy;
  let subscription: CreatedSubscription;

  before(async () => {
    app = await startTestApp({}, { throughProxy: true });
    proxy = app.proxy!;
    subscription = await createSubscription(app, { vendor: 'walnut' });
  });
  after(() => app?.close());

  it('answers every delivery of a batch whose connection is lost mid-statement 503, none 2xx, and stores each once on retry', async () => {
    // Hold the batch inside its INSERT: a direct session locks the event table against writers.
    const locker = new Client({ connectionString: app.database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE webhook_events IN SHARE ROW EXCLUSIVE MODE');
      const bodies = Array.from({ length: 12 }, (_, i) => walnutBody(`outage-${i}`));
      const pending = Promise.all(bodies.map((body) => deliver(app, subscription, body)));
      // pg_stat_activity is read from a connection of its own each time: inside the locker's
      // transaction it would be the snapshot of the first read, and a first read before the batch
      // arrived would never show it waiting.
      const waitingOnLock = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      await waitFor('the batch to wait on the lock', async () => (await queryDatabase(app.database.url, waitingOnLock)).length > 0);
      await sleep(100);
      // The connection goes; the backends that were inserting go too, so nothing of the batch commits.
      proxy.disconnect();
      await queryDatabase(app.database.url, `SELECT pg_terminate_backend(pid) FROM (${waitingOnLock}) AS waiting`);
      const answers = await pending;
      for (const answer of answers) {
        assert.equal(answer.status, 503, answer.text);
        assert.equal(answer.body.code, 'DATABASE_UNAVAILABLE');
        assert.equal(answer.headers.get('retry-after'), '5');
      }
      await locker.query('ROLLBACK');

      proxy.restore();
      await waitFor('the gateway to reconnect', async () => (await app.http().get('/health')).status === 200, 15_000, 200);
      const retried = await Promise.all(bodies.map((body) => deliver(app, subscription, body)));
      for (const answer of retried) assert.equal(answer.status, 200, answer.text);
      assert.equal(await storedEvents(app, subscription.id), bodies.length, 'each event stored once');
    } finally {
      await locker.end().catch(() => undefined);
    }
  });
});
