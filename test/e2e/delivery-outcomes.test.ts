import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type ConsumerAnswer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { runGatewayExpectingExit } from '../support/gateway-process';
import { metricValue } from '../support/metrics';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/** An answer the test gives when it chooses: the consumer sits on the request until then. */
function held(): { answer: Promise<ConsumerAnswer>; give: (answer: ConsumerAnswer) => void } {
  let give!: (answer: ConsumerAnswer) => void;
  const answer = new Promise<ConsumerAnswer>((resolve) => (give = resolve));
  return { answer, give };
}

describe('Delivery outcomes: 410 for one event, throttled for ever, outcomes of lost leases', () => {
  let app: TestApp;
  const consumers: Consumer[] = [];

  before(async () => {
    // Events older than 3 s are given up: a throttling destination ends its deliveries within seconds.
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50', DELIVERY_MAX_AGE_SECONDS: '3' });
  });
  after(async () => {
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  /** A subscription, a consumer and a destination sending that subscription's events to it. */
  async function setup(name: string) {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { name, url: consumer.url, filter: { subscriptionIds: [subscription.id] } });
    consumer.secrets = [destination.signingSecret];
    const ingest = (tag: string) => ingestWalnut(app.baseUrl, subscription, walnutBody(tag));
    return { subscription, consumer, destination, ingest };
  }
  const deliveryOf = async (destinationId: string, eventId: string) => {
    const response = await app.api('get', `/api/deliveries?destinationId=${destinationId}&eventId=${eventId}`);
    assert.equal(response.status, 200, response.text);
    return response.body.data[0] as { id: string; state: string; attempts: number; totalAttempts: number; throttles: number; lastStatusCode: number | null; lastError: string | null } | undefined;
  };
  /** Polled straight from the database (through the app's DataSource), so waiting spends none of the management API's rate limit. */
  const stateOf = async (destinationId: string, eventId: string) =>
    (await app.query<{ state: string }>('SELECT state FROM deliveries WHERE destination_id = $1 AND event_id = $2', [destinationId, eventId]))[0]?.state;
  const statusOf = async (destinationId: string) => (await app.query<{ status: string }>('SELECT status FROM destinations WHERE id = $1', [destinationId]))[0].status;
  const detail = async (deliveryId: string) => (await app.api('get', `/api/deliveries/${deliveryId}`)).body;
  const destinationView = async (id: string) => (await app.api('get', `/api/destinations/${id}`)).body;
  const outcomesSeen = async (destinationId: string, outcome: string) =>
    metricValue((await app.http().get('/metrics')).text, `delivery_attempts_total{destination="${destinationId}",outcome="${outcome}"}`);

  it('ends a delivery answered 410 as failed with the reason and disables the destination; a resume delivers the rest, a retry sends it again', async () => {
    const { consumer, destination, ingest } = await setup('Gone for one');
    const gone = await ingest('gone-one');
    consumer.respond = (hook) => (hook.id === gone ? { status: 410 } : { status: 200 });
    await waitFor('disabled', async () => (await statusOf(destination.id)) === 'disabled');
    assert.match((await destinationView(destination.id)).disabledReason, /410/);
    await waitFor('the 410 ended its delivery', async () => (await stateOf(destination.id, gone)) === 'failed');
    const failed = (await deliveryOf(destination.id, gone))!;
    assert.equal(failed.lastStatusCode, 410);
    assert.match(failed.lastError!, /410 Gone: the destination was disabled/);
    assert.equal(failed.attempts, 1);

    // Queued while disabled: it waits for the resume, and the resume sends it, not the 410'd one again.
    const rest = await ingest('gone-rest');
    await waitFor('the next event queued', async () => stateOf(destination.id, rest));
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/resume`)).status, 200);
    await waitFor('the rest delivered', async () => (await stateOf(destination.id, rest)) === 'delivered');
    await sleep(300); // six polls: time enough for the 410'd one to go again, were it still due
    assert.equal(consumer.of(gone).length, 1, 'not sent again by the resume');
    assert.equal((await destinationView(destination.id)).status, 'active', 'not disabled again');

    // The operator retries it on purpose once the consumer takes it.
    consumer.respond = () => ({ status: 200 });
    assert.equal((await app.api('post', `/api/deliveries/${failed.id}/retry`)).status, 200);
    await waitFor('retried and delivered', async () => (await stateOf(destination.id, gone)) === 'delivered');
    assert.equal(consumer.of(gone).length, 2);
  });

  it('ends deliveries throttled for ever once older than DELIVERY_MAX_AGE_SECONDS, counting throttles apart from attempts', async () => {
    const { consumer, destination, ingest } = await setup('Throttles for ever');
    consumer.respond = () => ({ status: 429, headers: { 'retry-after': '1' } });
    const events = [await ingest('throttled-1'), await ingest('throttled-2')];
    await waitFor('both given up', async () => (await Promise.all(events.map((id) => stateOf(destination.id, id)))).every((state) => state === 'failed'), 20_000);
    const rows = (await Promise.all(events.map((id) => deliveryOf(destination.id, id)))).map((row) => row!);
    let throttles = 0;
    for (const row of rows) {
      assert.match(row.lastError!, /answered 429 with Retry-After; gave up: the event is older than 3 s/);
      assert.equal(row.attempts, 0, 'a throttle is no attempt');
      assert.ok(row.throttles >= 2, `throttled more than once: ${JSON.stringify(row)}`);
      assert.equal(row.totalAttempts, row.throttles, 'every entry in its log was a throttle');
      const log = (await detail(row.id)).attemptLog as Array<{ statusCode: number; throttled: boolean }>;
      assert.ok(log.every((entry) => entry.statusCode === 429 && entry.throttled), JSON.stringify(log));
      throttles += row.throttles;
    }
    const view = await destinationView(destination.id);
    assert.equal(view.status, 'active', 'throttling disables nothing');
    assert.equal(view.backlog, 0);
    assert.equal(view.health.throttled, throttles, 'the destination shows its throttles');
    assert.equal(view.health.attempts, throttles);
    const sent = consumer.received.length;
    await sleep(1500); // past the last Retry-After
    assert.equal(consumer.received.length, sent, 'nothing more is sent');
  });

  it('lets a worker that lost its lease change nothing: no destination health, no 410, no Retry-After, no attempt after the success', async () => {
    const late: ConsumerAnswer[] = [{ status: 410 }, { status: 503, headers: { 'retry-after': '60' } }, { status: 500 }];
    for (const answer of late) {
      const status = (answer as { status: number }).status;
      const { consumer, destination, ingest } = await setup(`Late ${status}`);
      const first = held();
      consumer.respond = (_hook, attempt) => (attempt === 1 ? first.answer : { status: 200 });
      const eventId = await ingest(`late-${status}`);
      await waitFor('the first attempt in flight', async () => consumer.received.length === 1);
      const { id } = (await deliveryOf(destination.id, eventId))!;
      // As if the worker had paused past its lease: it expires, and the delivery is claimed again.
      await app.query(`UPDATE deliveries SET leased_until = now() - interval '1 second' WHERE id = $1`, [id]);
      await waitFor('delivered by the second claim', async () => (await stateOf(destination.id, eventId)) === 'delivered');
      first.give(answer);
      await waitFor('the late answer handled as lost', async () => (await outcomesSeen(destination.id, 'lost')) === 1);

      const view = await destinationView(destination.id);
      assert.equal(view.status, 'active', `late ${status}: not disabled`);
      assert.equal(view.disabledReason, null);
      assert.equal(view.throttledUntil, null, `late ${status}: not throttled`);
      assert.equal(view.health.failingSince, null, `late ${status}: not failing`);
      const delivery = await detail(id);
      assert.equal(delivery.state, 'delivered');
      assert.equal(delivery.lastStatusCode, 200);
      assert.deepEqual(
        delivery.attemptLog.map((entry: { statusCode: number }) => entry.statusCode),
        [200],
        `late ${status}: nothing logged after the success`,
      );
    }
  });

  it('drops the outcome of an attempt whose delivery was retried and claimed again meanwhile (a lease identity that never repeats)', async () => {
    const { consumer, destination, ingest } = await setup('Retried meanwhile');
    const first = held();
    const second = held();
    consumer.respond = (_hook, attempt) => (attempt === 1 ? first.answer : attempt === 2 ? second.answer : { status: 200 });
    const eventId = await ingest('retried-meanwhile');
    await waitFor('the first attempt in flight', async () => consumer.received.length === 1);
    const { id } = (await deliveryOf(destination.id, eventId))!;
    // The operator retries it (its count back to 0), then the first attempt's lease runs out while it hangs.
    assert.equal((await app.api('post', `/api/deliveries/${id}/retry`)).status, 200);
    await app.query(`UPDATE deliveries SET leased_until = now() - interval '1 second' WHERE id = $1`, [id]);
    await waitFor('claimed again, by the same instance with the same count', async () => consumer.received.length === 2);
    assert.equal((await deliveryOf(destination.id, eventId))!.attempts, 1);

    first.give({ status: 500 });
    await waitFor('the stale 500 handled as lost', async () => (await outcomesSeen(destination.id, 'lost')) === 1);
    second.give({ status: 200 });
    await waitFor('delivered by the second attempt', async () => (await stateOf(destination.id, eventId)) === 'delivered');
    const delivery = await detail(id);
    assert.equal(delivery.lastStatusCode, 200);
    assert.deepEqual(delivery.attemptLog.map((entry: { statusCode: number }) => entry.statusCode), [200], 'the stale 500 is not in the log');
    await sleep(1200); // past the longest backoff a stale 500 could have scheduled
    assert.equal(consumer.of(eventId).length, 2, 'not sent a third time');
  });
});

describe('DELIVERY_LEASE_SECONDS', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-lease-config-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the start with one line when shorter than the longest destination timeout plus the margin', async () => {
    const { code, output } = await runGatewayExpectingExit({ DATA_DIR: dataDir, PORT: '0', DELIVERY_LEASE_SECONDS: '30' });
    assert.equal(code, 1, output);
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${output}`);
    assert.match(lines[0], /^Invalid configuration: DELIVERY_LEASE_SECONDS must be at least 75 \(the longest destination timeout, 60 s, plus 15 s\), got 30;/);
  });
});
