import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

describe('Destination health and the destination named on each delivery', () => {
  let app: TestApp;
  let consumer: Consumer;
  let subscription: CreatedSubscription;
  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50', DELIVERY_MAX_ATTEMPTS: '10' });
    consumer = await Consumer.start();
    subscription = await createSubscription(app, { vendor: 'walnut' });
  });
  after(async () => {
    await app?.close();
    await consumer?.close();
  });

  const health = async (id: string) => {
    const response = await app.api('get', `/api/destinations/${id}`);
    assert.equal(response.status, 200, response.text);
    return response.body.health as Record<string, any>;
  };
  const listedHealth = async (id: string) => {
    const response = await app.api('get', '/api/destinations');
    assert.equal(response.status, 200, response.text);
    return response.body.data.find((destination: { id: string }) => destination.id === id).health as Record<string, any>;
  };
  const attemptsOf = async (destinationId: string) => {
    const [row] = await app.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.destination_id = $1',
      [destinationId],
    );
    return row.n;
  };

  it('goes from idle to failing while every attempt fails, then healthy once one succeeds, and names itself on each delivery', async () => {
    let failing = true;
    consumer.respond = () => (failing ? { status: 500, body: 'down' } : { status: 200 });
    const destination = await createDestination(app, { name: 'Orders', url: consumer.url });

    const idle = await health(destination.id);
    assert.deepEqual(idle, {
      window: '1h', attempts: 0, succeeded: 0, throttled: 0, successRate: null, lastSuccessAt: null, lastFailureAt: null,
      consecutiveFailures: 0, failingSince: null, throttledUntil: null, state: 'idle',
    });

    const eventId = await ingestWalnut(app.baseUrl, subscription, walnutBody('health-1'));
    await waitFor('two failed attempts', async () => (await attemptsOf(destination.id)) >= 2);
    const down = await health(destination.id);
    assert.equal(down.state, 'failing');
    assert.ok(down.attempts >= 2, JSON.stringify(down));
    assert.equal(down.succeeded, 0);
    assert.equal(down.successRate, 0);
    assert.equal(down.consecutiveFailures, down.attempts);
    assert.equal(down.lastSuccessAt, null);
    assert.ok(down.lastFailureAt && down.failingSince, JSON.stringify(down));
    assert.deepEqual(await listedHealth(destination.id), await health(destination.id), 'the list answers the same health');
    const listedDestination = (await app.api('get', `/api/destinations/${destination.id}`)).body;
    assert.equal(listedDestination.status, 'active', 'switched on, yet failing: status alone does not say it');

    failing = false;
    await waitFor('healthy after a success', async () => (await health(destination.id)).state === 'healthy');
    const up = await health(destination.id);
    assert.equal(up.succeeded, 1);
    assert.equal(up.consecutiveFailures, 0);
    assert.equal(up.failingSince, null);
    assert.equal(up.successRate, Math.round((1 / up.attempts) * 1000) / 1000);
    assert.ok(up.lastSuccessAt >= up.lastFailureAt, JSON.stringify(up));

    const deliveries = await app.api('get', `/api/deliveries?eventId=${eventId}`);
    assert.equal(deliveries.status, 200, deliveries.text);
    const [delivery] = deliveries.body.data;
    assert.deepEqual(delivery.destination, { id: destination.id, name: 'Orders', url: consumer.url, deleted: false });
    assert.equal(delivery.destinationId, destination.id);
    const one = await app.api('get', `/api/deliveries/${delivery.id}`);
    assert.deepEqual(one.body.destination, delivery.destination);
    assert.ok(!JSON.stringify(one.body).includes('whsec_'), 'no secret comes along with the destination');

    // Older than the window: no longer counted.
    await app.query(`UPDATE delivery_attempts SET at = at - interval '2 hours' WHERE delivery_id = $1`, [delivery.id]);
    const later = await health(destination.id);
    assert.equal(later.attempts, 0);
    assert.equal(later.state, 'idle');

    assert.equal((await app.api('delete', `/api/destinations/${destination.id}`)).status, 204);
    const kept = await app.api('get', `/api/deliveries/${delivery.id}`);
    assert.equal(kept.status, 200);
    assert.deepEqual(kept.body.destination, { id: destination.id, name: 'Orders', url: consumer.url, deleted: true });
  });

  it('counts failures after the last success in a row, and says throttled and paused', async () => {
    const throttling = await Consumer.start();
    try {
      throttling.respond = () => ({ status: 429, headers: { 'retry-after': '120' } });
      const destination = await createDestination(app, { name: 'Slow', url: throttling.url });
      await ingestWalnut(app.baseUrl, subscription, walnutBody('health-2'));
      await waitFor('throttled', async () => (await health(destination.id)).state === 'throttled');
      const throttled = await health(destination.id);
      assert.ok(Date.parse(throttled.throttledUntil) > Date.now() + 60_000, JSON.stringify(throttled));
      assert.equal(throttled.consecutiveFailures, 1);

      assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
      assert.equal((await health(destination.id)).state, 'paused');
      // Out of the queue, so nothing is attempted once resumed: the figures below stay as written.
      await app.query(`UPDATE deliveries SET state = 'failed' WHERE destination_id = $1`, [destination.id]);
      assert.equal((await app.api('post', `/api/destinations/${destination.id}/resume`)).status, 200);

      // One success then two failures in the window: two in a row, a third of them succeeded.
      const [delivery] = await app.query<{ id: string }>('SELECT id::text FROM deliveries WHERE destination_id = $1', [destination.id]);
      await app.query(
        `INSERT INTO delivery_attempts (delivery_id, at, status_code, duration_ms) VALUES
           ($1, now() - interval '30 minutes', 200, 5), ($1, now() - interval '20 minutes', 500, 5), ($1, now() - interval '3 hours', 204, 5)`,
        [delivery.id],
      );
      await app.query(`UPDATE delivery_attempts SET at = now() - interval '10 minutes' WHERE delivery_id = $1 AND status_code = 429`, [delivery.id]);
      await app.query(`UPDATE destinations SET failing_since = now() - interval '20 minutes' WHERE id = $1`, [destination.id]);
      const mixed = await health(destination.id);
      assert.equal(mixed.state, 'failing');
      assert.equal(mixed.attempts, 3);
      assert.equal(mixed.succeeded, 1);
      assert.equal(mixed.successRate, 0.333);
      assert.equal(mixed.consecutiveFailures, 2);
      assert.equal(mixed.throttledUntil, null, 'resume ended the throttle');
    } finally {
      await throttling.close();
    }
  });

  it('reads the window through an index on the attempt time', async () => {
    const indexes = await app.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'delivery_attempts' AND indexname = 'IDX_delivery_attempts_at'`);
    assert.equal(indexes.length, 1);
    assert.match(indexes[0].indexdef, /\(at\)/);
  });
});
