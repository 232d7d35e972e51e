import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Consumer } from '../support/consumer';
import { deliveriesOf, ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';
import { waitFor } from '../support/wait';

const ENV = { DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' };

/** Every event of `ids` has reached the consumer; returns how often each did. */
async function allReceived(consumer: Consumer, ids: string[], timeoutMs = 30_000): Promise<Map<string, number>> {
  await waitFor(`${ids.length} events delivered`, async () => ids.every((id) => consumer.of(id).length > 0), timeoutMs);
  const counts = new Map<string, number>();
  for (const hook of consumer.received) counts.set(hook.id, (counts.get(hook.id) ?? 0) + 1);
  return counts;
}

describe('Delivery under concurrency', { skip: EMBEDDED && 'two instances and outside writers on one database: PostgreSQL only' }, () => {
  let app: TestApp;
  let second: TestApp;
  const consumers: Consumer[] = [];

  before(async () => {
    app = await startTestApp({ ...ENV, DELIVERY_CONCURRENCY: '3' });
    // A second instance on the same database.
    second = await startTestApp({ ...ENV, DELIVERY_CONCURRENCY: '3' }, { database: app.database });
  });
  after(async () => {
    await second?.close();
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  async function consumerFor(subscription: CreatedSubscription, settings: Partial<Parameters<typeof createDestination>[1]> = {}) {
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] }, ...settings });
    consumer.secrets = [destination.signingSecret];
    return { consumer, destination };
  }

  it('delivers every event written by concurrent writers, one committing late, none skipped and none twice', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer, destination } = await consumerFor(subscription);
    const ids: string[] = [];
    let tag = 0;
    const writers = (count: number) =>
      Promise.all(
        Array.from({ length: 6 }, async (_, writer) => {
          for (let n = 0; n < count; n++) {
            const target = (writer + n) % 2 === 0 ? app : second;
            ids.push(await ingestWalnut(target.baseUrl, subscription, walnutBody(`late-${tag++}`)));
          }
        }),
      );
    await writers(10);
    await allReceived(consumer, [...ids]);

    // A writer whose transaction took its id first and commits last: rows written after it commit
    // before it does, and it must not be passed over.
    const late = new Client({ connectionString: app.database.url });
    await late.connect();
    try {
      await late.query('BEGIN');
      const [row] = (
        await late.query(
          `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, headers, payload, raw_body, is_test, created_xid)
           VALUES ($1, 'walnut', 'demo_session_finished', 'late-commit', 'accepted', '{}', $2::jsonb, $3, false, pg_current_xact_id()::text::bigint)
           RETURNING id::text`,
          [subscription.id, walnutBody('late-commit').toString(), walnutBody('late-commit')],
        )
      ).rows;
      await writers(10);
      await late.query('COMMIT');
      ids.push(row.id);
    } finally {
      await late.end();
    }
    await writers(5);

    const counts = await allReceived(consumer, ids);
    assert.equal(ids.length, 151);
    for (const id of ids) assert.equal(counts.get(id), 1, `event ${id} delivered once`);
    assert.ok(consumer.received.every((hook) => hook.verified));
    const rows = await deliveriesOf(app, destination.id);
    assert.equal(rows.length, ids.length);
    await waitFor('every delivery recorded as delivered', async () => (await deliveriesOf(app, destination.id)).every((r) => r.state === 'delivered'));
  });

  it('shares the work between two instances, each delivery attempted by one, within max_concurrency across both', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer, destination } = await consumerFor(subscription, { maxConcurrency: 4 });
    // Each instance sends at most 3 at once (DELIVERY_CONCURRENCY), so 4 in flight means both are at
    // work; the first requests are held until then.
    let open = false;
    consumer.respond = async () => {
      if (!open) await waitFor('4 requests in flight', async () => consumer.inFlight >= 4 || open, 30_000, 10);
      open = true;
      return { status: 200, delayMs: 10 };
    };
    const ids: string[] = [];
    for (let n = 0; n < 60; n++) ids.push(await ingestWalnut((n % 2 === 0 ? app : second).baseUrl, subscription, walnutBody(`shared-${n}`)));
    const counts = await allReceived(consumer, ids);
    for (const id of ids) assert.equal(counts.get(id), 1, `event ${id} attempted once (no retry was due)`);
    assert.equal(consumer.maxInFlight, 4, 'never more than max_concurrency at once, over both instances');
    for (const instance of [app, second]) {
      const metrics = (await instance.http().get('/metrics')).text;
      assert.ok(metricValue(metrics, `delivery_attempts_total{destination="${destination.id}",outcome="delivered"}`) > 0, 'both instances delivered');
    }
  });

  it('holds rateLimitPerSecond across instances', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer } = await consumerFor(subscription, { rateLimitPerSecond: 5 });
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) ids.push(await ingestWalnut((n % 2 === 0 ? app : second).baseUrl, subscription, walnutBody(`rate-${n}`)));
    await allReceived(consumer, ids);
    const times = consumer.received.map((hook) => hook.at);
    // A full bucket of 5, then 5 a second: the other 15 take at least 3 s (a lower bound only).
    const spread = Math.max(...times) - Math.min(...times);
    assert.ok(spread >= 2000, `20 deliveries at 5/s took ${spread} ms`);
  });
});

describe('Wake-up and graceful stop (polling every minute)', () => {
  let app: TestApp;
  const consumers: Consumer[] = [];
  before(async () => {
    // A poll too slow for any test to wait on: what happens here is woken by the ingest itself.
    app = await startTestApp({ ...ENV, DELIVERY_POLL_MS: '60000' });
  });
  after(async () => {
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  it('delivers an event ingested by this instance at once, without waiting for the poll', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] } });
    consumer.secrets = [destination.signingSecret];
    const eventId = await ingestWalnut(app.baseUrl, subscription, walnutBody('woken'));
    await waitFor('delivered', async () => consumer.of(eventId).length > 0, 15_000);
    assert.ok(consumer.of(eventId)[0].verified);
  });

  it('finishes attempts that answer in time, and gives back the leases (and attempts) of those that do not', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const slow = await Consumer.start();
    const hanging = await Consumer.start();
    consumers.push(slow, hanging);
    const slowDestination = await createDestination(app, { url: slow.url, filter: { subscriptionIds: [subscription.id] } });
    // Its attempts must still hang when the stop comes, however slow the machine: the longest timeout.
    const hangingDestination = await createDestination(app, { url: hanging.url, filter: { subscriptionIds: [subscription.id] }, timeoutMs: 60_000 });
    // Long enough for all three to be in flight at once on a loaded machine, short enough to finish
    // within the graceful stop's wait (STOP_WAIT_MS, 5 s) once the stop begins.
    slow.respond = () => ({ status: 200, delayMs: 4000 });
    hanging.respond = () => 'hang';
    await Promise.all([0, 1, 2].map((n) => ingestWalnut(app.baseUrl, subscription, walnutBody(`stop-${n}`))));
    await waitFor('attempts in flight', async () => slow.inFlight === 3 && hanging.inFlight === 3, 30_000);
    await app.stop();
    const finished = await deliveriesOf(app, slowDestination.id);
    assert.deepEqual(finished.map((row) => row.state), ['delivered', 'delivered', 'delivered']);
    const givenBack = await deliveriesOf(app, hangingDestination.id);
    assert.equal(givenBack.length, 3);
    for (const row of givenBack) {
      assert.equal(row.state, 'pending');
      assert.equal(row.leased_by, null);
      assert.equal(row.leased_until, null);
      assert.equal(row.attempts, 0);
    }
  });
});
