import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination as create, type DestinationSettings } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

async function createDestination(app: TestApp, settings: DestinationSettings & { orderingMaxHoldSeconds?: number }) {
  const { id, signingSecret } = await create(app, settings as DestinationSettings);
  const view = (await app.api('get', `/api/destinations/${id}`)).body;
  return { id, signingSecret, orderingMaxHoldSeconds: view.orderingMaxHoldSeconds as number | null };
}

/** Issue 19, item 4: a poisoned head may hold back its subscription for orderingMaxHoldSeconds at most; an operator can retry it now. */
describe('Ordering subscription: orderingMaxHoldSeconds and retrying a held head', () => {
  let app: TestApp;
  let consumer: Consumer;

  before(async () => {
    // A long backoff: without the bound the head's second attempt would come minutes later.
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '600', DELIVERY_BACKOFF_MAX_SECONDS: '3600', DELIVERY_POLL_MS: '50' });
    consumer = await Consumer.start();
  });
  after(async () => {
    await app?.close();
    await consumer?.close();
  });

  it('validates orderingMaxHoldSeconds and shows it', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    for (const bad of [0, 604801, 1.5, '60']) {
      const response = await app.api('post', '/api/destinations', { name: 'hold', url: consumer.url, ordering: 'subscription', orderingMaxHoldSeconds: bad, filter: { subscriptionIds: [subscription.id] } });
      assert.equal(response.status, 400, `refused: ${JSON.stringify(bad)}`);
      assert.match(JSON.stringify(response.body), /orderingMaxHoldSeconds/);
    }
    const destination = await createDestination(app, { url: consumer.url, ordering: 'subscription', orderingMaxHoldSeconds: 3600, filter: { subscriptionIds: [subscription.id] } });
    assert.equal(destination.orderingMaxHoldSeconds, 3600);
    const cleared = await app.api('patch', `/api/destinations/${destination.id}`, { orderingMaxHoldSeconds: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.orderingMaxHoldSeconds, null);
    const plain = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] } });
    assert.equal(plain.orderingMaxHoldSeconds, null);
    await app.api('delete', `/api/destinations/${destination.id}`);
    await app.api('delete', `/api/destinations/${plain.id}`);
  });

  it('fails a head held longer than the bound, and the events behind it go in order', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const ids: string[] = [];
    consumer.respond = (hook) => (hook.id === ids[0] ? { status: 500, body: 'poisoned' } : { status: 200 });
    const destination = await createDestination(app, { url: consumer.url, ordering: 'subscription', orderingMaxHoldSeconds: 2, filter: { subscriptionIds: [subscription.id] } });
    consumer.secrets = [destination.signingSecret];
    for (let n = 0; n < 3; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`hold-${n}`)));

    const started = Date.now();
    await waitFor('the events behind the head delivered', async () => ids.slice(1).every((id) => consumer.of(id).length > 0), 15_000);
    const held = Date.now() - started;
    assert.ok(held >= 1_500, `held about 2 s, not less (${held} ms)`);
    assert.ok(held < 10_000, `not the backoff ladder (${held} ms)`);
    const order = consumer.received.map((hook) => hook.id).filter((id) => ids.slice(1).includes(id));
    assert.deepEqual(order, ids.slice(1), 'in feed order');
    const [head] = await app.query<{ state: string; last_error: string; attempts: number }>(
      `SELECT state, last_error, attempts FROM deliveries WHERE destination_id = $1 AND event_id = $2`,
      [destination.id, ids[0]],
    );
    assert.equal(head.state, 'failed');
    assert.match(head.last_error, /held back its subscription for more than 2 s/);
    assert.ok(head.attempts >= 2, 'its last retry came when the hold ended');
    assert.ok(consumer.of(ids[0]).length >= 2);
    await app.api('delete', `/api/destinations/${destination.id}`);
  });

  it('retry makes a pending head due now, with a new round', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const ids: string[] = [];
    let poisoned = true;
    consumer.respond = (hook) => (poisoned && hook.id === ids[0] ? { status: 500, body: 'poisoned' } : { status: 200 });
    // No bound: the head waits out a backoff of up to 10 minutes.
    const destination = await createDestination(app, { url: consumer.url, ordering: 'subscription', filter: { subscriptionIds: [subscription.id] } });
    consumer.secrets = [destination.signingSecret];
    for (let n = 0; n < 2; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`retry-${n}`)));

    const [blocked] = await waitFor('the head blocked', async () => {
      const response = await app.api('get', `/api/destinations/${destination.id}`);
      return response.body.blockedHeads?.length === 1 && response.body.blockedHeads;
    });
    assert.ok(Date.parse(blocked.nextAttemptAt) > Date.now() + 1_000, 'waiting for its backoff');
    assert.equal(consumer.of(ids[1]).length, 0, 'the next event held back');

    poisoned = false;
    const retried = await app.api('post', `/api/deliveries/${blocked.deliveryId}/retry`);
    assert.equal(retried.status, 200);
    assert.equal(retried.body.state, 'pending');
    assert.equal(retried.body.attempts, 0, 'a new round');
    for (const id of ids) await waitFor(`event ${id} delivered`, async () => consumer.of(id).length > 0, 5_000);
    const order = consumer.received.map((hook) => hook.id).filter((id) => ids.includes(id));
    assert.deepEqual(order.slice(-2), ids, 'the head, then the next');
    const [round] = await app.query<{ round_started_at: Date }>(`SELECT round_started_at FROM deliveries WHERE id = $1`, [blocked.deliveryId]);
    assert.ok(new Date(round.round_started_at).getTime() > Date.parse(blocked.since), 'the hold counts from the retry, not the first attempt ever');
    await app.api('delete', `/api/destinations/${destination.id}`);
  });
});
