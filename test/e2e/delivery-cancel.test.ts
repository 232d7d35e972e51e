import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Consumer, type ConsumerAnswer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED, queryDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/**
 * Cancel end to end: one delivery, a destination's pending ones by filter, and every pending one of a
 * deleted destination end as `cancelled`, are never sent (an attempt in flight does not bring one
 * back), stay listed, and are retried like failed ones; a replay that loses a race to a delete queues
 * nothing and answers 404.
 */
describe('Delivery: cancel', () => {
  let app: TestApp;
  const consumers: Consumer[] = [];

  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' });
  });
  after(async () => {
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  async function consumerFor(subscriptionIds: string[]) {
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds } });
    consumer.secrets = [destination.signingSecret];
    return { consumer, destination };
  }

  const ingest = (subscription: CreatedSubscription, tag: string) => ingestWalnut(app.baseUrl, subscription, walnutBody(tag));
  const deliveries = async (query: string) => {
    const response = await app.api('get', `/api/deliveries?${query}`);
    assert.equal(response.status, 200, response.text);
    return response.body.data as Array<Record<string, any>>;
  };
  /** The delivery of one event to one destination, once the fan-out queued it. */
  const deliveryOf = (destinationId: string, eventId: string) =>
    waitFor(`event ${eventId} queued`, async () => (await deliveries(`destinationId=${destinationId}&eventId=${eventId}`))[0]);
  /** Outcomes the worker recorded for a destination (the counter moves once the outcome statement ran). */
  const outcomes = async (destinationId: string, outcome: string) =>
    metricValue((await app.http().get('/metrics')).text, `delivery_attempts_total{destination="${destinationId}",outcome="${outcome}"}`);

  it('cancels one pending delivery: kept, listed and filterable as cancelled, never sent, and sent again by a retry', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer, destination } = await consumerFor([subscription.id]);
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
    const cancelledEvent = await ingest(subscription, 'cancel-one-1');
    const keptEvent = await ingest(subscription, 'cancel-one-2');
    const doomed = await deliveryOf(destination.id, cancelledEvent);
    const kept = await deliveryOf(destination.id, keptEvent);

    const cancelled = await app.api('post', `/api/deliveries/${doomed.id}/cancel`);
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal(cancelled.body.nextAttemptAt, null, 'no next attempt once cancelled');
    const again = await app.api('post', `/api/deliveries/${doomed.id}/cancel`);
    assert.equal(again.status, 200, 'cancelling a cancelled one answers it as it is');
    assert.equal(again.body.state, 'cancelled');

    assert.deepEqual((await deliveries(`destinationId=${destination.id}&state=cancelled`)).map((row) => row.eventId), [cancelledEvent]);
    assert.deepEqual((await deliveries(`destinationId=${destination.id}&state=pending`)).map((row) => row.eventId), [keptEvent]);
    assert.equal((await app.api('get', `/api/destinations/${destination.id}`)).body.backlog, 1, 'a cancelled one is no longer in the backlog');

    assert.equal((await app.api('post', `/api/destinations/${destination.id}/resume`)).status, 200);
    await waitFor('the pending one delivered', async () => consumer.of(keptEvent).length > 0 && (await deliveries(`eventId=${keptEvent}`))[0].state === 'delivered');
    // The worker claims the due deliveries in id order, so with the later one delivered the earlier was passed over.
    await sleep(300);
    assert.equal(consumer.of(cancelledEvent).length, 0, 'a cancelled delivery is never sent');
    assert.equal((await app.api('get', `/api/deliveries/${doomed.id}`)).body.state, 'cancelled');

    const ended = await app.api('post', `/api/deliveries/${kept.id}/cancel`);
    assert.equal(ended.status, 409, ended.text);
    assert.equal(ended.body.code, 'DELIVERY_NOT_PENDING');
    assert.match(ended.body.message, /is delivered: only a pending delivery can be cancelled/);
    assert.equal((await app.api('get', `/api/deliveries/${kept.id}`)).body.state, 'delivered', 'unchanged');
    assert.equal((await app.api('post', '/api/deliveries/99999999/cancel')).body.code, 'DELIVERY_NOT_FOUND');
    assert.equal((await app.api('post', '/api/deliveries/not-an-id/cancel')).status, 404);

    const retried = await app.api('post', `/api/deliveries/${doomed.id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.state, 'pending');
    await waitFor('the retried one delivered', async () => consumer.of(cancelledEvent).length === 1 && (await deliveries(`eventId=${cancelledEvent}`))[0].state === 'delivered');
  });

  it('an attempt in flight when its delivery is cancelled changes nothing: not delivered by a 2xx, not rescheduled by a 500', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer, destination } = await consumerFor([subscription.id]);
    const answers = new Map<string, (answer: ConsumerAnswer) => void>();
    consumer.respond = (hook) => new Promise<ConsumerAnswer>((resolve) => answers.set(hook.id, resolve));
    const answeredOk = await ingest(subscription, 'in-flight-1');
    const answeredError = await ingest(subscription, 'in-flight-2');
    await waitFor('both attempts in flight', async () => answers.has(answeredOk) && answers.has(answeredError));

    for (const eventId of [answeredOk, answeredError]) {
      const delivery = await deliveryOf(destination.id, eventId);
      const cancelled = await app.api('post', `/api/deliveries/${delivery.id}/cancel`);
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.state, 'cancelled');
    }
    answers.get(answeredOk)!({ status: 200 });
    answers.get(answeredError)!({ status: 500 });
    // A cancelled delivery's lease no longer counts: both answers are dropped as `lost`, recorded nowhere else.
    await waitFor('both outcomes dropped', async () => (await outcomes(destination.id, 'lost')) === 2);
    assert.equal(await outcomes(destination.id, 'delivered'), 0);
    assert.equal(await outcomes(destination.id, 'retry'), 0);
    const log = (await app.api('get', `/api/deliveries/${(await deliveryOf(destination.id, answeredOk)).id}`)).body.attemptLog;
    assert.deepEqual(log, [], 'no attempt-log entry for an answer that changed nothing');

    for (const eventId of [answeredOk, answeredError]) {
      const [delivery] = await deliveries(`destinationId=${destination.id}&eventId=${eventId}`);
      assert.equal(delivery.state, 'cancelled', `event ${eventId} stays cancelled`);
      assert.equal(delivery.deliveredAt, null);
      assert.equal(delivery.nextAttemptAt, null);
    }
    await sleep(1500);
    assert.equal(consumer.received.length, 2, 'neither is sent again');
  });

  it('with ordering by subscription, cancelling a head that keeps failing lets the events behind it go', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] }, ordering: 'subscription' });
    let poisoned = '';
    consumer.respond = (hook) => (hook.id === poisoned || !poisoned ? { status: 500 } : { status: 200 });
    poisoned = await ingest(subscription, 'ordered-1');
    const behind = await ingest(subscription, 'ordered-2');
    await waitFor('the head attempted and failing', async () => consumer.of(poisoned).length >= 1);
    assert.equal(consumer.of(behind).length, 0, 'held back behind its head');

    const head = await deliveryOf(destination.id, poisoned);
    assert.equal((await app.api('post', `/api/deliveries/${head.id}/cancel`)).body.state, 'cancelled');
    await waitFor('the event behind it delivered', async () => (await deliveryOf(destination.id, behind)).state === 'delivered');
    assert.equal((await deliveryOf(destination.id, poisoned)).state, 'cancelled');
  });

  it("cancels a destination's pending deliveries by the replay filters, counted first with dryRun, and no other destination's", async () => {
    const first = await createSubscription(app, { vendor: 'walnut' });
    const second = await createSubscription(app, { vendor: 'walnut' });
    const { destination } = await consumerFor([first.id, second.id]);
    const { destination: other } = await consumerFor([first.id]);
    for (const id of [destination.id, other.id]) assert.equal((await app.api('post', `/api/destinations/${id}/pause`)).status, 200);
    const firstEvents = [await ingest(first, 'by-filter-1'), await ingest(first, 'by-filter-2')];
    const secondEvent = await ingest(second, 'by-filter-3');
    for (const eventId of [...firstEvents, secondEvent]) await deliveryOf(destination.id, eventId);
    for (const eventId of firstEvents) await deliveryOf(other.id, eventId);

    const cancel = (body: object, id = destination.id) => app.api('post', `/api/destinations/${id}/cancel`, body);
    const dryRun = await cancel({ subscriptionId: first.id, dryRun: true });
    assert.equal(dryRun.status, 200, dryRun.text);
    assert.deepEqual(dryRun.body, { count: 2 });
    assert.equal((await deliveries(`destinationId=${destination.id}&state=pending`)).length, 3, 'a dry run changes nothing');

    const done = await cancel({ subscriptionId: first.id });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body, { count: 2 });
    assert.deepEqual((await cancel({ subscriptionId: first.id, dryRun: true })).body, { count: 0 }, 'nothing pending matches any more');
    assert.deepEqual((await deliveries(`destinationId=${destination.id}&state=cancelled`)).map((row) => row.eventId).sort(), [...firstEvents].sort());
    assert.deepEqual((await deliveries(`destinationId=${destination.id}&state=pending`)).map((row) => row.eventId), [secondEvent]);
    assert.equal((await deliveries(`destinationId=${other.id}&state=pending`)).length, 2, "another destination's deliveries of the same events stay pending");

    // A range that matches nothing, then no filter at all: every pending one.
    assert.deepEqual((await cancel({ until: '2000-01-01T00:00:00Z' })).body, { count: 0 });
    assert.deepEqual((await cancel({})).body, { count: 1 });
    assert.equal((await deliveries(`destinationId=${destination.id}&state=pending`)).length, 0);

    const invalid = await cancel({ since: 'yesterday', dryRun: 'yes' });
    assert.equal(invalid.status, 400, invalid.text);
    assert.equal(invalid.body.code, 'VALIDATION_FAILED');
    assert.equal((await cancel({ state: 'pending' })).status, 400, 'an unknown field is refused');
    assert.equal((await cancel({}, '00000000-0000-4000-8000-000000000000')).body.code, 'DESTINATION_NOT_FOUND');
  });

  it('deleting a destination cancels its pending deliveries (a delivered one stays delivered); they cannot be retried or replayed then', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { consumer, destination } = await consumerFor([subscription.id]);
    const deliveredEvent = await ingest(subscription, 'delete-1');
    await waitFor('the first delivered', async () => (await deliveryOf(destination.id, deliveredEvent)).state === 'delivered');
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
    const pendingEvents = [await ingest(subscription, 'delete-2'), await ingest(subscription, 'delete-3')];
    for (const eventId of pendingEvents) await deliveryOf(destination.id, eventId);

    assert.equal((await app.api('delete', `/api/destinations/${destination.id}`)).status, 204);
    const rows = await deliveries(`destinationId=${destination.id}`);
    assert.deepEqual(
      rows.map((row) => [row.eventId, row.state]).sort(),
      [[deliveredEvent, 'delivered'], ...pendingEvents.map((eventId) => [eventId, 'cancelled'])].sort(),
    );
    assert.ok(rows.every((row) => row.destination.deleted));
    assert.equal((await app.api('delete', `/api/destinations/${destination.id}`)).status, 404, 'deleted once');

    const retry = await app.api('post', `/api/deliveries/${rows.find((row) => row.state === 'cancelled')!.id}/retry`);
    assert.equal(retry.status, 404, retry.text);
    assert.equal(retry.body.code, 'DESTINATION_NOT_FOUND');
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/replay`, {})).status, 404);
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/cancel`, {})).status, 404);
    assert.equal((await deliveries(`destinationId=${destination.id}&state=pending`)).length, 0);
    assert.equal(consumer.received.length, 1);
  });

  describe('a replay racing a delete', { skip: EMBEDDED && 'the embedded database runs one transaction at a time: a replay and a delete cannot overlap there' }, () => {
    it('answers 404 and queues nothing when the delete commits while the replay waits for the row', async () => {
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      const { destination } = await consumerFor([subscription.id]);
      assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
      for (let index = 0; index < 3; index += 1) await deliveryOf(destination.id, await ingest(subscription, `race-${index}`));
      assert.deepEqual((await app.api('post', `/api/destinations/${destination.id}/cancel`, {})).body, { count: 3 });

      // Another session holds the destination's row, so the delete and then the replay queue up behind it, in that order.
      const blocker = new Client({ connectionString: app.database.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT id FROM destinations WHERE id = $1 FOR UPDATE', [destination.id]);
        const waiting = async (count: number) =>
          (await queryDatabase<{ n: number }>(app.database.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0].n === count;
        const deleted = app.api('delete', `/api/destinations/${destination.id}`).then((response) => response);
        await waitFor('the delete waiting for the row', () => waiting(1));
        const replayed = app.api('post', `/api/destinations/${destination.id}/replay`, {}).then((response) => response);
        await waitFor('the replay waiting for the row too', () => waiting(2));
        await blocker.query('COMMIT');

        assert.equal((await deleted).status, 204);
        const replay = await replayed;
        assert.equal(replay.status, 404, replay.text);
        assert.equal(replay.body.code, 'DESTINATION_NOT_FOUND');
      } finally {
        await blocker.end();
      }
      const states = await app.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY state', [destination.id]);
      assert.deepEqual(states, [{ state: 'cancelled', n: 3 }], 'nothing queued for the deleted destination');
    });
  });
});
