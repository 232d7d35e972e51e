import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RESERVE_FRACTION } from '../../src/delivery/destination-share';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ENV = { DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50', DELIVERY_CONCURRENCY: '20' };

/** Item 1 of issue 19: destinations that hang or fail must not hold the slots healthy ones need. */
describe('Delivery isolation: each destination a fair share of the instance', () => {
  let app: TestApp;
  const consumers: Consumer[] = [];

  before(async () => {
    // 50 slots for 11 destinations: about the proportions (DELIVERY_CONCURRENCY 100, 12 destinations).
    app = await startTestApp({ ...ENV, DELIVERY_CONCURRENCY: '50' });
  });
  after(async () => {
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  async function consumer(): Promise<Consumer> {
    const started = await Consumer.start();
    consumers.push(started);
    return started;
  }

  it('delivers to a healthy destination while ten others hang, before any of their attempts has timed out', async () => {
    const hungSubscription = await createSubscription(app, { vendor: 'walnut' });
    const healthySubscription = await createSubscription(app, { vendor: 'walnut' });
    const hung: Array<{ consumer: Consumer; id: string }> = [];
    for (let n = 0; n < 10; n++) {
      const hanging = await consumer();
      hanging.respond = () => 'hang';
      // maxConcurrency 1000: before the fix one such destination took every slot of the instance.
      const destination = await createDestination(app, { url: hanging.url, maxConcurrency: 1000, timeoutMs: 60_000, filter: { subscriptionIds: [hungSubscription.id] } });
      hung.push({ consumer: hanging, id: destination.id });
    }
    const healthy = await consumer();
    const destination = await createDestination(app, { url: healthy.url, filter: { subscriptionIds: [healthySubscription.id] } });
    healthy.secrets = [destination.signingSecret];

    for (let n = 0; n < 30; n++) await ingestWalnut(app.baseUrl, hungSubscription, walnutBody(`hung-${n}`));
    await waitFor('the hung destinations holding requests', async () => hung.some((entry) => entry.consumer.inFlight > 0), 15_000);
    await sleep(1500); // the hung attempts have been in flight for longer than a healthy answer takes

    const ids: string[] = [];
    for (let n = 0; n < 40; n++) ids.push(await ingestWalnut(app.baseUrl, healthySubscription, walnutBody(`healthy-${n}`)));
    await waitFor('the healthy destination has every event', async () => ids.every((id) => healthy.of(id).length > 0), 45_000);

    const [{ finished }] = await app.query<{ finished: number }>(
      `SELECT count(*)::int AS finished FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.destination_id = ANY($1::uuid[])`,
      [hung.map((entry) => entry.id)],
    );
    assert.equal(finished, 0, 'delivered while the hung destinations still held their requests, not in the slots their timeouts freed');
    assert.ok(hung.some((entry) => entry.consumer.inFlight > 0), 'the hung destinations were still being tried');
    assert.ok(healthy.received.every((hook) => hook.verified));
    await waitFor('every healthy delivery recorded as delivered', async () => {
      const rows = await app.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY state`, [destination.id]);
      return rows.length === 1 && rows[0].state === 'delivered' && rows[0].n === ids.length;
    });
    for (const entry of hung) entry.consumer.respond = () => ({ status: 200 });
  });
});

describe('Delivery isolation: a failing destination’s share shrinks, and grows back when it answers', () => {
  let app: TestApp;
  let flaky: Consumer;
  let healthy: Consumer;

  before(async () => {
    app = await startTestApp(ENV);
    flaky = await Consumer.start();
    healthy = await Consumer.start();
  });
  after(async () => {
    await app?.close();
    await flaky?.close();
    await healthy?.close();
  });

  it('keeps a timing-out destination to one request at a time, then delivers its backlog once it answers, none lost', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const ids: string[] = [];
    for (let n = 0; n < 60; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`flaky-${n}`)));
    let answering = false;
    flaky.respond = () => (answering ? { status: 200, delayMs: 20 } : 'hang');
    const other = await createDestination(app, { url: healthy.url, filter: { subscriptionIds: [subscription.id] }, startFrom: 'beginning' });
    healthy.secrets = [other.signingSecret];
    const failing = await createDestination(app, { url: flaky.url, maxConcurrency: 1000, timeoutMs: 2000, filter: { subscriptionIds: [subscription.id] }, startFrom: 'beginning' });
    flaky.secrets = [failing.signingSecret];

    // Its share to begin with: half the instance if the other still has deliveries to send, else all
    // but the reserve kept for destinations that have answered.
    await waitFor('the first requests to the failing destination', async () => flaky.maxInFlight >= 10 || flaky.received.length >= 20, 20_000);
    assert.ok(flaky.maxInFlight <= 20 - Math.floor(20 * RESERVE_FRACTION), `not every slot of DELIVERY_CONCURRENCY 20: ${flaky.maxInFlight}`);
    // Once its attempts time out, its share halves with each failure, down to one.
    await waitFor('timeouts recorded', async () => {
      const [{ n }] = await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.destination_id = $1`, [failing.id]);
      return n >= 10;
    });
    await sleep(300);
    let most = 0;
    for (let sample = 0; sample < 40; sample++) {
      most = Math.max(most, flaky.inFlight);
      await sleep(50);
    }
    assert.ok(most <= 1, `at most one request at a time while it times out, saw ${most}`);
    await waitFor('the healthy destination has every event meanwhile', async () => ids.every((id) => healthy.of(id).length > 0), 45_000);

    // It answers again: its share grows back and its whole backlog is delivered.
    flaky.maxInFlight = 0;
    answering = true;
    await waitFor('the failing destination has every event', async () => ids.every((id) => flaky.of(id).length > 0), 60_000);
    assert.ok(flaky.maxInFlight > 1, `its share grew back (at most ${flaky.maxInFlight} at once)`);
    await waitFor('every delivery recorded as delivered', async () => {
      const rows = await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE destination_id = ANY($1::uuid[]) AND state = 'delivered'`, [[failing.id, other.id]]);
      return rows[0].n === ids.length * 2;
    });
  });
});
