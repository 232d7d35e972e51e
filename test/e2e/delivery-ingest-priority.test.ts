import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer } from '../support/consumer';
import { deliveriesOf, ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { walnutSignature } from '../support/signing';
import { IngestLoad } from '../../src/events/ingest-load';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';
import { waitFor } from '../support/wait';

const ENV = { DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' };

async function ingest(app: TestApp, subscription: CreatedSubscription, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`${tag}-${n}`)));
  return ids;
}

/** Opens `count` connections, each sending `write(socket)`; resolves once all are written. */
async function openConnections(app: TestApp, count: number, write: (socket: Socket, host: string) => void): Promise<Socket[]> {
  const { hostname, port } = new URL(app.baseUrl);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => {
            write(socket, hostname);
            resolve(socket);
          });
          socket.on('error', () => undefined);
          socket.once('error', reject);
        }),
    ),
  );
}

/** A flood of webhooks: `senders` connections each sending the next signed Walnut event as soon as the last is answered, until stopped. */
function flood(app: TestApp, subscription: CreatedSubscription, senders: number): { stop: () => Promise<string[]> } {
  let running = true;
  const ids: string[] = [];
  const loops = Array.from({ length: senders }, async (_, sender) => {
    for (let n = 0; running; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`flood-${sender}-${n}`)));
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return ids;
    },
  };
}

/**
 * Keeps this process's event loop (the app's) busy `share` of the time, as a flood of webhooks
 * would, in slices of 20 ms: short beside the 100 ms samples, so each sample sees the loop's work
 * come and go several times.
 */
function saturateEventLoop(share = 0.95): () => void {
  let running = true;
  const spin = () => {
    if (!running) return;
    const until = performance.now() + 20 * share;
    while (performance.now() < until);
    setTimeout(spin, 20 * (1 - share));
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

  it('with DELIVERY_WORKER=off an instance takes webhooks and queues and sends nothing; an instance with it on delivers everything', { skip: EMBEDDED && 'two instances on one database: PostgreSQL only' }, async () => {
    const ingestOnly = await startTestApp({ ...ENV, DELIVERY_WORKER: 'off' });
    apps.push(ingestOnly);
    const subscription = await createSubscription(ingestOnly, { vendor: 'walnut' });
    const receiver = await consumer();
    const destination = await createDestination(ingestOnly, { url: receiver.url, startFrom: 'beginning' });
    receiver.secrets = [destination.signingSecret];
    const ids = await ingest(ingestOnly, subscription, 12, 'off');
    assert.equal(ingestOnly.app.get(IngestLoad).averageSinceLastRead(), 0, 'webhooks are not counted where nothing reads the count');
    // Many polls' worth of time: an instance with the worker on queues and sends within one.
    await sleep(1000);
    assert.equal((await deliveriesOf(ingestOnly, destination.id)).length, 0, 'nothing queued by the fan-out of the instance with the worker off');
    // Queued another way (a replay writes the deliveries itself): still nothing sent.
    const replay = await ingestOnly.api('post', `/api/destinations/${destination.id}/replay`, {});
    assert.equal(replay.status, 200);
    assert.equal(replay.body.count, 12);
    await sleep(1000);
    assert.equal(receiver.received.length, 0, 'nothing sent by the worker of the instance with it off');
    const queued = await deliveriesOf(ingestOnly, destination.id);
    assert.deepEqual(
      queued.map((row) => [row.state, row.attempts]),
      ids.map(() => ['pending', 0]),
    );

    const worker = await startTestApp({ ...ENV, DELIVERY_WORKER: 'on' }, { database: ingestOnly.database });
    apps.push(worker);
    await waitFor('every event delivered by the instance with the worker on', async () => ids.every((id) => receiver.of(id).length === 1));
    assert.ok(receiver.received.every((hook) => hook.verified));
    await waitFor('every delivery recorded delivered', async () => (await deliveriesOf(ingestOnly, destination.id)).every((row) => row.state === 'delivered'));
  });

  it('counts a webhook only once its body is in, and never loses count of one whose connection dies first', async () => {
    const app = await startTestApp(ENV);
    apps.push(app);
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const load = app.app.get(IngestLoad);
    const body = walnutBody('slow');
    // Senders uploading slowly are not waiting on the gateway: not counted, and cannot make it yield.
    const slow = await openConnections(app, 20, (socket, host) =>
      socket.write(
        `POST /webhooks/walnut/${subscription.id} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
          `X-Walnut-Signature: ${walnutSignature(subscription.secret!, body)}\r\nContent-Length: ${body.length}\r\n\r\n${body.subarray(0, 10).toString()}`,
      ),
    );
    cleanups.push(() => slow.forEach((socket) => socket.destroy()));
    await sleep(300);
    assert.equal(load.inFlight, 0);
    // Pipelined requests on connections dropped at once: the answers queued behind the first get no 'close' of their own.
    const request = `POST /webhooks/walnut/${subscription.id} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Walnut-Signature: ${walnutSignature(subscription.secret!, body)}\r\nContent-Length: ${body.length}\r\n\r\n${body.toString()}`;
    await openConnections(app, 12, (socket) => socket.write(request.repeat(5), () => socket.destroy()));
    for (const socket of slow) socket.destroy();
    // Pipelined requests are parsed once the one before them is answered, after their connection died:
    // counted then, briefly (the longer the answers take, the later: on the embedded database, in this
    // process). What must not happen is a count that never ends: none counted, and still none a second later.
    await waitFor(
      'every request dropped or done, none counted, and none a second later: nothing of a dropped connection is left to count',
      async () => load.inFlight === 0 && (await sleep(1000), load.inFlight === 0),
      20_000,
    );
    // A webhook answered normally counts while it is worked on, then ends.
    load.averageSinceLastRead();
    await ingestWalnut(app.baseUrl, subscription, walnutBody('normal'));
    await waitFor('the answered webhook no longer counted', async () => load.inFlight === 0, 5_000);
    assert.ok(load.averageSinceLastRead() > 0, 'it was counted while it was worked on');
  });

  it('holds deliveries to DELIVERY_SATURATED_RATE while webhooks queue on a saturated event loop, then catches up at full speed', async () => {
    // A poll slower than the test: what the fan-out and the worker do here, they do because they were woken.
    const app = await startTestApp({ ...ENV, DELIVERY_POLL_MS: '60000', DELIVERY_SATURATED_RATE: '4' });
    apps.push(app);
    // The flood comes in on one subscription; the destinations take another's events, few enough to catch up at once.
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const flooding = await createSubscription(app, { vendor: 'walnut' });
    const before = await ingest(app, subscription, 60, 'before');
    const metric = async (series: string) => metricValue((await app.http().get('/metrics')).text, series);
    assert.equal(await metric('delivery_yielding_to_ingest'), 0);

    // Two destinations, their backlogs queued before the flood (slowly answered, one at a time, so
    // that little is sent before they are paused), then paused.
    const receivers = [await consumer(), await consumer()];
    const destinations: Array<{ id: string; signingSecret: string }> = [];
    for (const receiver of receivers) {
      receiver.respond = () => ({ status: 200, delayMs: 300 });
      const destination = await createDestination(app, { url: receiver.url, startFrom: 'beginning', maxConcurrency: 1, filter: { subscriptionIds: [subscription.id] } });
      receiver.secrets = [destination.signingSecret];
      destinations.push(destination);
    }
    const queued = async () => (await Promise.all(destinations.map((destination) => deliveriesOf(app, destination.id)))).map((rows) => rows.length);
    await waitFor('the events stored so far queued', async () => (await queued()).every((count) => count === before.length));
    for (const destination of destinations) {
      assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
      assert.equal((await app.api('patch', `/api/destinations/${destination.id}`, { maxConcurrency: 10 })).status, 200);
    }
    await sleep(400); // the attempts in flight when paused end
    for (const receiver of receivers) receiver.respond = () => ({ status: 200 });
    const sentBefore = receivers.map((receiver) => receiver.received.length);

    const floodStarted = Date.now();
    const stopSpinning = saturateEventLoop();
    cleanups.push(stopSpinning);
    const webhooks = flood(app, flooding, 100);
    cleanups.push(() => webhooks.stop());
    await waitFor('the instance yielding to webhooks', async () => (await metric('delivery_yielding_to_ingest')) === 1, 20_000, 100);
    const yieldingSince = Date.now();

    // The few attempts allowed are shared by the two destinations, not all taken by the first in the list.
    const since = Date.now();
    for (const destination of destinations) assert.equal((await app.api('post', `/api/destinations/${destination.id}/resume`)).status, 200);
    // Webhooks the destinations want, stored during the flood.
    const during = await ingest(app, subscription, 5, 'during');
    await sleep(3000);
    const seconds = (Date.now() - since) / 1000;
    const sent = receivers.map((receiver, index) => receiver.received.length - sentBefore[index]);
    const total = sent[0] + sent[1];
    // 4 a second, one at a time; an unheld worker sends every queued event in a claim or two.
    assert.ok(total <= Math.ceil(4 * seconds) + 2, `${total} deliveries in ${seconds.toFixed(1)} s at 4 a second`);
    assert.ok(sent.every((count) => count >= 1), `never none, to any destination: deliveries still move during a flood (${sent.join(' and ')})`);
    assert.deepEqual(await queued(), [before.length, before.length], 'the webhooks stored meanwhile wait for the poll or the end of the flood to be queued');

    assert.ok((await webhooks.stop()).length > 0);
    stopSpinning();
    const surelyYielding = (Date.now() - yieldingSince) / 1000;
    const all = [...before, ...during];
    // Full speed at once: the rest, over 100 deliveries, would take more than 25 s at 4 a second.
    await waitFor(`all ${all.length} events delivered to both once the flood is over`, async () => receivers.every((receiver) => all.every((id) => receiver.of(id).length === 1)), 8_000);
    assert.ok(receivers.every((receiver) => receiver.received.every((hook) => hook.verified)));
    assert.equal(await metric('delivery_yielding_to_ingest'), 0);
    const atMost = (Date.now() - floodStarted) / 1000;
    const yieldSeconds = await metric('delivery_yield_seconds_total');
    assert.ok(
      yieldSeconds >= 0.8 * surelyYielding && yieldSeconds <= atMost,
      `yielded ${yieldSeconds} s: at least the ${surelyYielding.toFixed(1)} s it was seen yielding, at most the ${atMost.toFixed(1)} s since the flood began`,
    );
  });
});
