import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/** Issue 19, item 4: with ordering `subscription`, the head that holds back the rest is shown on the destination. */
describe('Ordering subscription: the blocked heads', () => {
  let app: TestApp;
  let consumer: Consumer;

  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' });
    consumer = await Consumer.start();
  });
  after(async () => {
    await app?.close();
    await consumer?.close();
  });

  it('shows each held subscription’s head on GET /api/destinations/{id}, and none once it is delivered', async () => {
    const held = await createSubscription(app, { vendor: 'walnut' });
    const flowing = await createSubscription(app, { vendor: 'walnut' });
    let poisoned = true;
    const ids: string[] = [];
    consumer.respond = (hook) => (poisoned && hook.id === ids[0] ? { status: 500, body: 'poisoned' } : { status: 200 });
    const destination = await createDestination(app, { url: consumer.url, ordering: 'subscription', filter: { subscriptionIds: [held.id, flowing.id] } });
    consumer.secrets = [destination.signingSecret];
    const unordered = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [flowing.id] } });

    for (let n = 0; n < 3; n++) ids.push(await ingestWalnut(app.baseUrl, held, walnutBody(`head-${n}`)));
    const other = await ingestWalnut(app.baseUrl, flowing, walnutBody('head-other'));
    await waitFor('the other subscription delivered', async () => consumer.of(other).length > 0);

    const blocked = await waitFor('the head shown as blocked', async () => {
      const response = await app.api('get', `/api/destinations/${destination.id}`);
      return response.status === 200 && response.body.blockedHeads?.length === 1 && response.body.blockedHeads[0].attempts >= 2 && response.body.blockedHeads;
    });
    const [row] = await app.query<{ id: string }>(`SELECT id::text AS id FROM deliveries WHERE destination_id = $1 AND event_id = $2`, [destination.id, ids[0]]);
    const [first] = await app.query<{ at: Date }>(`SELECT min(at) AS at FROM delivery_attempts WHERE delivery_id = $1`, [row.id]);
    assert.equal(blocked[0].subscriptionId, held.id);
    assert.equal(blocked[0].eventId, ids[0]);
    assert.equal(blocked[0].deliveryId, row.id);
    assert.equal(blocked[0].since, new Date(first.at).toISOString(), 'since its first attempt');
    assert.equal(blocked[0].lastStatusCode, 500);
    assert.equal(blocked[0].lastError, 'answered 500');
    assert.ok(Date.parse(blocked[0].nextAttemptAt) > 0);
    for (const id of ids.slice(1)) assert.equal(consumer.of(id).length, 0, `event ${id} held back`);
    assert.deepEqual((await app.api('get', `/api/destinations/${unordered.id}`)).body.blockedHeads, [], 'none without ordering');
    assert.equal((await app.api('get', '/api/destinations')).body.data[0].blockedHeads, undefined, 'the list does not read them');

    poisoned = false;
    for (const id of ids) await waitFor(`event ${id} delivered`, async () => consumer.of(id).length > 0);
    await waitFor('no head blocked any more', async () => {
      const response = await app.api('get', `/api/destinations/${destination.id}`);
      return response.body.blockedHeads?.length === 0;
    });
  });
});
