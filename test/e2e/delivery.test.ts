import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../support/consumer';
import { attemptLog, deliveriesOf, deliveryOf, destinationRow, ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Push delivery end to end: events ingested over HTTP reach real consumers on loopback, which verify
 * every request with the `standardwebhooks` package; outcomes are read from the database.
 */
describe('Push delivery', () => {
  let app: TestApp;
  const consumers: Consumer[] = [];

  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50', DELIVERY_MAX_ATTEMPTS: '3' });
  });
  after(async () => {
    await app?.close();
    for (const consumer of consumers) await consumer.close();
  });

  async function consumerFor(settings: Omit<Parameters<typeof createDestination>[1], 'url'>) {
    const consumer = await Consumer.start();
    consumers.push(consumer);
    const destination = await createDestination(app, { url: consumer.url, ...settings });
    consumer.secrets = [destination.signingSecret];
    return { consumer, destination };
  }

  const walnut = () => createSubscription(app, { vendor: 'walnut' });
  const ingest = (subscription: CreatedSubscription, tag: string, options: { quarantined?: boolean; test?: boolean } = {}) =>
    ingestWalnut(app.baseUrl, subscription, walnutBody(tag, options.quarantined), { test: options.test });
  const deliveredTo = (consumer: Consumer, eventId: string) => waitFor(`event ${eventId} delivered`, async () => consumer.of(eventId).length > 0);

  it('delivers each matching event once, signed, as the envelope with the static headers, and never a non-matching one', async () => {
    const subscription = await walnut();
    const other = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] }, headers: { authorization: 'Bearer internal-token' } });
    const { consumer: everything, destination: wide } = await consumerFor({
      filter: { subscriptionIds: [subscription.id], statuses: ['accepted', 'quarantined'], includeTest: true },
    });

    const accepted = await ingest(subscription, 'filters-1');
    const otherSubscription = await ingest(other, 'filters-2');
    const quarantined = await ingest(subscription, 'filters-3', { quarantined: true });
    const test = await ingest(subscription, 'filters-4', { test: true });
    const last = await ingest(subscription, 'filters-5');
    await deliveredTo(consumer, last);
    await deliveredTo(consumer, accepted);
    await deliveredTo(everything, last);
    for (const id of [accepted, quarantined, test]) await deliveredTo(everything, id);

    // The fan-out queues in feed order, so with the last event queued every earlier one was judged:
    // a non-matching event has no delivery, now or later.
    assert.deepEqual((await deliveriesOf(app, destination.id)).map((row) => row.event_id), [accepted, last]);
    assert.deepEqual((await deliveriesOf(app, wide.id)).map((row) => row.event_id), [accepted, quarantined, test, last]);
    assert.equal(consumer.of(otherSubscription).length + consumer.of(quarantined).length + consumer.of(test).length, 0);
    assert.equal(everything.of(otherSubscription).length, 0);

    for (const hook of [...consumer.received, ...everything.received]) assert.ok(hook.verified, `webhook ${hook.id} verifies with standardwebhooks`);
    assert.equal(consumer.received.length, 2, 'each once');
    const [hook] = consumer.of(accepted);
    assert.equal(hook.headers.authorization, 'Bearer internal-token');
    assert.equal(hook.headers['content-type'], 'application/json');
    assert.match(String(hook.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
    const envelope = JSON.parse(hook.body.toString());
    const stored = (await app.api('get', `/api/events/${accepted}`)).body;
    assert.deepEqual(envelope, {
      id: accepted,
      type: 'walnut.demo_session_finished',
      vendor: 'walnut',
      subscriptionId: subscription.id,
      eventType: 'demo_session_finished',
      occurredAt: stored.occurredAt,
      receivedAt: stored.receivedAt,
      status: 'accepted',
      validationErrors: null,
      isTest: false,
      payload: stored.payload,
    });
    const quarantinedEnvelope = JSON.parse(everything.of(quarantined)[0].body.toString());
    assert.equal(quarantinedEnvelope.status, 'quarantined');
    assert.ok(quarantinedEnvelope.validationErrors.length > 0);
    assert.equal(JSON.parse(everything.of(test)[0].body.toString()).isTest, true);
    const row = await deliveryOf(app, destination.id, accepted);
    assert.equal(row?.state, 'delivered');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.leased_by, null);
  });

  it('forwards the vendor’s exact bytes and Content-Type in raw format, with the envelope’s fields as headers', async () => {
    const subscription = await walnut();
    const { consumer } = await consumerFor({ filter: { subscriptionIds: [subscription.id] }, format: 'raw' });
    const body = Buffer.from('{ "event" : "demo_session_finished",\n  "timestamp": "2024-05-01T10:00:00Z", "data": {"demo": {"id": "d1"}, "session_id": "raw-\\u00e9"} }');
    const eventId = await ingestWalnut(app.baseUrl, subscription, body, { contentType: 'application/json; charset=utf-8' });
    await deliveredTo(consumer, eventId);
    const [hook] = consumer.of(eventId);
    assert.ok(hook.verified);
    assert.ok(hook.body.equals(body), 'the exact bytes');
    assert.equal(hook.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(hook.headers['x-gateway-vendor'], 'walnut');
    assert.equal(hook.headers['x-gateway-subscription-id'], subscription.id);
    assert.equal(hook.headers['x-gateway-event-type'], 'demo_session_finished');
    assert.equal(hook.headers['x-gateway-status'], 'accepted');
    assert.equal(hook.headers['x-gateway-test'], 'false');
  });

  it('retries a consumer that answers 500, 500, 200: three attempts, delivered, every attempt logged', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    consumer.respond = (_hook, attempt) => (attempt < 3 ? { status: 500, headers: { 'x-why': 'busy' }, body: `try again ${attempt}` } : { status: 200, body: 'ok' });
    const eventId = await ingest(subscription, 'retry-1');
    const row = await waitFor('delivered', async () => {
      const found = await deliveryOf(app, destination.id, eventId);
      return found?.state === 'delivered' && found;
    });
    assert.equal(row.attempts, 3);
    assert.equal(consumer.of(eventId).length, 3);
    assert.ok(consumer.of(eventId).every((hook) => hook.verified));
    assert.ok(consumer.of(eventId).every((hook) => hook.headers['webhook-id'] === eventId), 'the same webhook-id on every retry');
    const log = await attemptLog(app, row.id);
    assert.deepEqual(log.map((attempt) => attempt.status_code), [500, 500, 200]);
    assert.equal(log[0].response_body, 'try again 1');
    assert.equal(log[0].response_headers['x-why'], 'busy');
    assert.equal(log[2].response_body, 'ok');
    assert.ok(log.every((attempt) => Number.isInteger(attempt.duration_ms) && attempt.at instanceof Date));
    assert.equal((await destinationRow(app, destination.id)).failing_since, null, 'a success ends the failing streak');
  });

  it('gives up after DELIVERY_MAX_ATTEMPTS: the delivery is failed, and a redirect is never followed', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    consumer.respond = (_hook, attempt) => (attempt === 1 ? { status: 302, headers: { location: `${consumer.url}/elsewhere` } } : { status: 502 });
    const eventId = await ingest(subscription, 'max-1');
    const row = await waitFor('failed', async () => {
      const found = await deliveryOf(app, destination.id, eventId);
      return found?.state === 'failed' && found;
    });
    assert.equal(row.attempts, 3);
    assert.equal(consumer.received.length, 3, 'three attempts, the redirect not followed');
    assert.ok(consumer.received.every((hook) => hook.id === eventId));
    assert.match(row.last_error ?? '', /502.*3 attempts/);
    const log = await attemptLog(app, row.id);
    assert.deepEqual(log.map((attempt) => attempt.status_code), [302, 502, 502]);
    assert.ok((await destinationRow(app, destination.id)).failing_since instanceof Date);
  });

  it('sends nothing to a paused destination, and its backlog on resume', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
    const eventId = await ingest(subscription, 'paused-1');
    await waitFor('queued', async () => deliveryOf(app, destination.id, eventId));
    await sleep(1000); // twenty polls
    assert.equal(consumer.received.length, 0, 'nothing sent while paused');
    assert.equal((await deliveryOf(app, destination.id, eventId))?.attempts, 0);
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/resume`)).status, 200);
    await deliveredTo(consumer, eventId);
    await waitFor('delivered', async () => (await deliveryOf(app, destination.id, eventId))?.state === 'delivered');
  });

  it('disables a destination that answers 410, ending that delivery as failed and keeping the others pending', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    consumer.respond = () => ({ status: 410 });
    const first = await ingest(subscription, 'gone-1');
    await waitFor('disabled', async () => (await destinationRow(app, destination.id)).status === 'disabled');
    const row = await destinationRow(app, destination.id);
    assert.match(row.disabled_reason, /410/);
    assert.ok(row.disabled_at instanceof Date);
    const second = await ingest(subscription, 'gone-2');
    await waitFor('the next event queued', async () => deliveryOf(app, destination.id, second));
    const delivery = await deliveryOf(app, destination.id, first);
    assert.equal(delivery?.state, 'failed', 'a resume must not send it again (and be disabled again): retried on purpose');
    assert.equal(delivery?.leased_by, null);
    assert.equal(delivery?.attempts, 1);
    assert.equal((await attemptLog(app, delivery!.id)).length, 1, 'it is in the log');
    assert.equal(consumer.received.length, 1, 'nothing more is sent to a disabled destination');
    const metrics = (await app.http().get('/metrics')).text;
    assert.equal(metricValue(metrics, `delivery_backlog{destination="${destination.id}"}`), 1, 'the next one waits, and the backlog says so');
  });

  it('disables a destination whose every attempt has failed for DESTINATION_DISABLE_AFTER, saying why', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    consumer.respond = () => ({ status: 500 });
    const first = await ingest(subscription, 'streak-1');
    await waitFor('a first failure', async () => (await destinationRow(app, destination.id)).failing_since instanceof Date);
    assert.equal((await destinationRow(app, destination.id)).status, 'active', 'one failure does not disable');
    // As if it had been failing for six days (the default limit is five).
    await app.query(`UPDATE destinations SET failing_since = now() - interval '6 days' WHERE id = $1`, [destination.id]);
    await ingest(subscription, 'streak-2'); // fails after that, whatever became of the first
    await waitFor('disabled', async () => (await destinationRow(app, destination.id)).status === 'disabled');
    const row = await destinationRow(app, destination.id);
    assert.match(row.disabled_reason, /failed for more than 432000 s/);
    assert.equal((await deliveryOf(app, destination.id, first))?.state, 'pending', 'its backlog waits for resume');
  });

  it('honours 429 with Retry-After: nothing goes to the destination before then, not even another event', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    let throttled = false;
    consumer.respond = () => {
      if (throttled) return { status: 200 };
      throttled = true;
      return { status: 429, headers: { 'retry-after': '2' } };
    };
    const eventId = await ingest(subscription, 'throttle-1');
    await waitFor('the 429', async () => consumer.of(eventId).length === 1);
    // Another event, due at once: the whole destination waits, not only the throttled delivery.
    const otherId = await ingest(subscription, 'throttle-2');
    await waitFor('both delivered', async () =>
      (await Promise.all([eventId, otherId].map((id) => deliveryOf(app, destination.id, id)))).every((row) => row?.state === 'delivered'),
    );
    const [first, second] = consumer.of(eventId);
    assert.ok(second.at - first.at >= 1900, `the retry came ${second.at - first.at} ms after the 429, not before Retry-After`);
    const [other] = consumer.of(otherId);
    assert.ok(other.at - first.at >= 1900, `the other event came ${other.at - first.at} ms after the 429, not before Retry-After`);
    const row = await destinationRow(app, destination.id);
    assert.ok(row.throttled_until instanceof Date);
    assert.equal(row.status, 'active');
  });

  it('times out a hanging consumer and retries', async () => {
    const subscription = await walnut();
    // Long enough for a loaded machine to answer a retry in time: on the embedded database the app's
    // queries run on the same thread as the consumer here, so a short budget could time out the retry too.
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] }, timeoutMs: 1000 });
    consumer.respond = (_hook, attempt) => (attempt === 1 ? 'hang' : { status: 204 });
    const eventId = await ingest(subscription, 'hang-1');
    const row = await waitFor('delivered', async () => {
      const found = await deliveryOf(app, destination.id, eventId);
      return found?.state === 'delivered' && found;
    });
    const log = await attemptLog(app, row.id);
    assert.equal(log[0].status_code, null);
    assert.match(log[0].error ?? '', /no complete answer within 1000 ms/);
    assert.ok(log[0].duration_ms >= 990, `the timed-out attempt took its ${log[0].duration_ms} ms`);
    assert.equal(log[1].status_code, 204);
  });

  it('with ordering subscription, holds back a failing event’s later events of its subscription only', async () => {
    const held = await walnut();
    const flowing = await walnut();
    const { consumer } = await consumerFor({ filter: { subscriptionIds: [held.id, flowing.id] }, ordering: 'subscription' });
    const heldIds: string[] = [];
    const flowingIds: string[] = [];
    // The first event of `held` fails once, answered only after every event of `flowing` has arrived:
    // its attempt is in flight meanwhile, so however slow the machine, it cannot run out of attempts first.
    consumer.respond = async (hook, attempt) => {
      if (hook.id !== heldIds[0] || attempt > 1) return { status: 200 };
      await waitFor('every event of the other subscription', async () => flowingIds.length === 3 && flowingIds.every((id) => consumer.of(id).length > 0), 12_000);
      return { status: 500 };
    };
    for (let n = 0; n < 3; n++) {
      heldIds.push(await ingest(held, `order-held-${n}`));
      flowingIds.push(await ingest(flowing, `order-flowing-${n}`));
    }
    for (const id of [...heldIds, ...flowingIds]) await deliveredTo(consumer, id);
    await waitFor('all of held delivered', async () => heldIds.every((id) => consumer.of(id).length > 0));
    const arrivals = consumer.received.map((hook) => hook.id);
    const firstSuccess = arrivals.lastIndexOf(heldIds[0]);
    assert.ok(consumer.of(heldIds[0]).length >= 2, 'the first event failed at least once');
    for (const id of heldIds.slice(1)) assert.ok(arrivals.indexOf(id) > firstSuccess, `event ${id} of the held subscription came only after the first succeeded`);
    assert.deepEqual(arrivals.filter((id) => heldIds.includes(id) && id !== heldIds[0]), heldIds.slice(1), 'in feed order, one at a time');
    for (const id of flowingIds) assert.ok(arrivals.indexOf(id) < firstSuccess, `event ${id} of the other subscription was not held back`);
  });

  it('with ordering subscription, lets the rest flow once an event is dead-lettered as failed', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] }, ordering: 'subscription' });
    const ids: string[] = [];
    consumer.respond = (hook) => (hook.id === ids[0] ? { status: 500 } : { status: 200 });
    for (let n = 0; n < 3; n++) ids.push(await ingest(subscription, `dead-${n}`));
    for (const id of ids.slice(1)) await deliveredTo(consumer, id);
    assert.equal((await deliveryOf(app, destination.id, ids[0]))?.state, 'failed');
    const arrivals = consumer.received.map((hook) => hook.id);
    assert.deepEqual(arrivals, [ids[0], ids[0], ids[0], ids[1], ids[2]], 'held back until the first one failed for good');
  });

  it('starts a destination from now, the beginning, or a time', async () => {
    const subscription = await walnut();
    const before = await ingest(subscription, 'start-1');
    const from = (await app.api('get', `/api/events/${await ingest(subscription, 'start-2')}`)).body;
    const since = await ingest(subscription, 'start-3');
    const filter = { subscriptionIds: [subscription.id] };
    const now = await consumerFor({ filter });
    const beginning = await consumerFor({ filter, startFrom: 'beginning' });
    const time = await consumerFor({ filter, startFrom: from.receivedAt });
    const after = await ingest(subscription, 'start-4');
    for (const { consumer } of [now, beginning, time]) await deliveredTo(consumer, after);
    const queued = async (destinationId: string) => (await deliveriesOf(app, destinationId)).map((row) => row.event_id);
    assert.deepEqual(await queued(now.destination.id), [after]);
    assert.deepEqual(await queued(beginning.destination.id), [before, from.id, since, after]);
    assert.deepEqual(await queued(time.destination.id), [from.id, since, after]);
  });

  it('exposes delivery metrics on /metrics', async () => {
    const subscription = await walnut();
    const { consumer, destination } = await consumerFor({ filter: { subscriptionIds: [subscription.id] } });
    const eventId = await ingest(subscription, 'metrics-1');
    await deliveredTo(consumer, eventId);
    await waitFor('delivered', async () => (await deliveryOf(app, destination.id, eventId))?.state === 'delivered');
    const metrics = (await app.http().get('/metrics')).text;
    assert.equal(metricValue(metrics, `delivery_attempts_total{destination="${destination.id}",outcome="delivered"}`), 1);
    assert.ok(metricValue(metrics, 'delivery_latency_seconds_count') >= 1);
    assert.match(metrics, new RegExp(`^delivery_backlog\\{destination="${destination.id}"\\} 0$`, 'm'), 'the backlog series is there, at 0');
    assert.match(metrics, new RegExp(`delivery_oldest_pending_age_seconds\\{destination="${destination.id}"\\} 0`));
  });
});
