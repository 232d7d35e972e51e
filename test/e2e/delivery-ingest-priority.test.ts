import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer } from '../support/consumer';
import { deliveriesOf, ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { walnutSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ENV = { DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' };

async function ingest(app: TestApp, subscription: CreatedSubscription, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`${tag}-${n}`)));
  return ids;
}

/**
 * Webhook requests that stay in flight: signed Walnut deliveries whose body never finishes arriving,
 * as when a flood of them queues in the instance.
 */
async function webhooksInFlight(app: TestApp, subscription: CreatedSubscription, count: number): Promise<Socket[]> {
  const { hostname, port } = new URL(app.baseUrl);
  const body = walnutBody('in-flight');
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => {
            socket.write(
              `POST /webhooks/walnut/${subscription.id} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
                `X-Walnut-Signature: ${walnutSignature(subscription.secret!, body)}\r\nContent-Length: ${body.length}\r\n\r\n${body.subarray(0, 10).toString()}`,
            );
            resolve(socket);
          });
          socket.on('error', reject);
        }),
    ),
  );
}

/** Keeps this process's event loop (the app's) busy `share` of the time, as a flood of webhooks would. */
function saturateEventLoop(share = 0.95): () => void {
  let running = true;
  const spin = () => {
    if (!running) return;
    const until = performance.now() + 100 * share;
    while (performance.now() < until);
    setTimeout(spin, 100 * (1 - share));
  };
  spin();
  return () => (running = false);
}

describe('Delivery makes way for webhooks', () => {
  const apps: TestApp[] = [];
  const consumers: Consumer[] = [];
  const cleanups: Array<() => unknown> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    for (const app of apps.splice(0).reverse()) await app.close();
  });
  after(async () => {
    for (const consumer of consumers) await consumer.close();
  });

  async function consumer(): Promise<Consumer> {
    const started = await Consumer.start();
    consumers.push(started);
    return started;
  }

  it('with DELIVERY_WORKER=off an instance takes webhooks but neither queues nor sends; an instance with it on delivers everything', async () => {
    const ingestOnly = await startTestApp({ ...ENV, DELIVERY_WORKER: 'off' });
    apps.push(ingestOnly);
    const subscription = await createSubscription(ingestOnly, { vendor: 'walnut' });
    const receiver = await consumer();
    const destination = await createDestination(ingestOnly, { url: receiver.url, startFrom: 'beginning' });
    receiver.secrets = [destination.signingSecret];
    const ids = await ingest(ingestOnly, subscription, 12, 'off');
    // Many polls' worth of time: an instance with the worker on queues and sends within one.
    await sleep(1000);
    assert.equal((await deliveriesOf(ingestOnly.database.url, destination.id)).length, 0, 'nothing queued by the instance with the worker off');
    assert.equal(receiver.received.length, 0, 'nothing sent');
    const metrics = (await ingestOnly.http().get('/metrics')).text;
    assert.equal(metricValue(metrics, `delivery_backlog{destination="${destination.id}"}`), 0);

    const worker = await startTestApp({ ...ENV, DELIVERY_WORKER: 'on' }, { database: ingestOnly.database });
    apps.push(worker);
    await waitFor('every event delivered by the instance with the worker on', async () => ids.every((id) => receiver.of(id).length === 1));
    assert.ok(receiver.received.every((hook) => hook.verified));
    const rows = await deliveriesOf(ingestOnly.database.url, destination.id);
    assert.deepEqual(
      rows.map((row) => row.state),
      ids.map(() => 'delivered'),
    );
  });

  it('holds deliveries to DELIVERY_SATURATED_RATE while webhooks queue on a saturated event loop, then catches up', async () => {
    const app = await startTestApp({ ...ENV, DELIVERY_SATURATED_RATE: '4' });
    apps.push(app);
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const ids = await ingest(app, subscription, 60, 'flood');
    const metric = async (series: string) => metricValue((await app.http().get('/metrics')).text, series);
    assert.equal(await metric('delivery_yielding_to_ingest'), 0);

    const sockets = await webhooksInFlight(app, subscription, 24);
    cleanups.push(() => sockets.forEach((socket) => socket.destroy()));
    const stopSpinning = saturateEventLoop();
    cleanups.push(stopSpinning);
    await waitFor('the instance yielding to webhooks', async () => (await metric('delivery_yielding_to_ingest')) === 1, 15_000, 100);

    const receiver = await consumer();
    const destination = await createDestination(app, { url: receiver.url, startFrom: 'beginning' });
    receiver.secrets = [destination.signingSecret];
    const since = Date.now();
    await sleep(3000);
    const seconds = (Date.now() - since) / 1000;
    // 4 a second, granted one at a time; an unheld worker sends all 60 in a claim or two.
    assert.ok(receiver.received.length <= Math.ceil(4 * seconds) + 2, `${receiver.received.length} deliveries in ${seconds.toFixed(1)} s at 4 a second`);
    assert.ok(receiver.received.length >= 1, 'never none: deliveries still move during a flood');

    stopSpinning();
    for (const socket of sockets) socket.destroy();
    await waitFor('the backlog caught up once webhooks stop queueing', async () => ids.every((id) => receiver.of(id).length === 1), 30_000);
    assert.ok(receiver.received.every((hook) => hook.verified));
    assert.equal(await metric('delivery_yielding_to_ingest'), 0);
    assert.ok((await metric('delivery_yield_seconds_total')) >= 3, 'the time spent yielding is counted');
  });
});
