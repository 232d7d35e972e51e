import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DeliveryMetrics } from '../../src/delivery/delivery-metrics';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { metricValue } from '../support/metrics';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/** A service that reads back what it was sent: every request header in its body, and X-Api-Key in a response header. */
async function startReflector(): Promise<{ base: string; paths: string[]; keys: Array<string | undefined>; close: () => Promise<void> }> {
  const paths: string[] = [];
  const keys: Array<string | undefined> = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      paths.push(request.url ?? '');
      keys.push(request.headers['x-api-key'] as string | undefined);
      if (request.url === '/echo') {
        response.writeHead(200, { 'content-type': 'application/json', 'x-echoed-key': String(request.headers['x-api-key'] ?? '') }).end(JSON.stringify(request.headers));
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    keys,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('Delivery: host rule, static headers on a URL change, delivery fields, metrics cost', () => {
  let app: TestApp;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '50' });
  });
  after(async () => {
    await app?.close();
    for (const close of closers) await close();
  });

  const ingest = (subscription: { id: string; secret?: string }, tag: string) => ingestWalnut(app.baseUrl, subscription, walnutBody(tag));

  it('refuses cloud-internal addresses beyond link-local, and metadata addresses carried by local-use NAT64 or 6to4', async () => {
    for (const url of [
      'http://[fd20:ce::254]/',
      'http://[fd00:ec2::23]/v1/credentials',
      'http://[fd00:42::42]/',
      'http://168.63.129.16/machine',
      'http://192.0.0.192/',
      'http://[64:ff9b:1:a9fe:a9:fe00::]/',
      'http://[64:ff9b:1::169.254.169.254]/',
      'http://[2002:a9fe:a9fe::]/',
    ]) {
      const response = await app.api('post', '/api/destinations', { name: 'Cloud internal', url });
      assert.equal(response.status, 400, `${url}: ${response.text}`);
      assert.equal(response.body.code, 'DESTINATION_HOST_NOT_ALLOWED', url);
      assert.match(response.body.message, /^url: .* is a link-local or cloud-metadata address/, url);
    }
    // The same wrappings around an internal service's address are allowed, as that address is.
    for (const url of ['http://[64:ff9b:1::10.0.0.7]:1/', 'http://[2002:a00:7::]:1/']) {
      assert.equal((await app.api('post', '/api/destinations', { name: 'Internal', url })).status, 201, url);
    }
  });

  it('requires the static headers again on any URL change, another path of the same origin too', async () => {
    const reflector = await startReflector();
    closers.push(reflector.close);
    const key = 'key-for-orders-only-0123';
    const created = await createDestination(app, { name: 'Orders', url: `${reflector.base}/orders`, headers: { 'X-Api-Key': key } });

    // Another path of the same origin, where a service may read the headers back to the caller.
    const moved = await app.api('patch', `/api/destinations/${created.id}`, { url: `${reflector.base}/echo` });
    assert.equal(moved.status, 400, moved.text);
    assert.equal(moved.body.code, 'VALIDATION_FAILED');
    assert.match(moved.body.message, /^headers: .*give them again with the new url \(headers: \{\} for none\)/);
    assert.doesNotMatch(moved.text, new RegExp(key));
    assert.equal((await app.api('get', `/api/destinations/${created.id}`)).body.url, `${reflector.base}/orders`, 'unchanged');
    assert.equal((await app.api('post', `/api/destinations/${created.id}/test`)).body.ok, true);
    assert.deepEqual(reflector.paths, ['/orders'], 'nothing reached the other path');

    // Given again (here: none) with the new URL, it moves; the same URL given again is no change.
    assert.equal((await app.api('patch', `/api/destinations/${created.id}`, { url: `${reflector.base}/orders`, name: 'Orders (same url)' })).status, 200);
    const bare = await app.api('patch', `/api/destinations/${created.id}`, { url: `${reflector.base}/echo`, headers: {} });
    assert.equal(bare.status, 200, bare.text);
    assert.deepEqual(bare.body.headerNames, []);
    const ping = await app.api('post', `/api/destinations/${created.id}/test`);
    assert.equal(ping.body.ok, true, ping.text);
    assert.deepEqual([reflector.paths.at(-1), reflector.keys.at(-1)], ['/echo', undefined], 'sent without the old headers');
    assert.doesNotMatch(ping.text, new RegExp(key));
  });

  it('never shows a static header value a destination echoes back: not in a test ping, not in the attempt log', async () => {
    const reflector = await startReflector();
    closers.push(reflector.close);
    const key = 'echoed-key-0123456789';
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const destination = await createDestination(app, {
      name: 'Echo',
      url: `${reflector.base}/echo`,
      filter: { subscriptionIds: [subscription.id] },
      headers: { 'X-Api-Key': key, 'X-Tag': 'a\\b"c-quoted' },
    });

    const ping = await app.api('post', `/api/destinations/${destination.id}/test`);
    assert.equal(ping.body.ok, true, ping.text);
    assert.equal(reflector.keys.at(-1), key, 'the header was sent');
    assert.doesNotMatch(ping.text, new RegExp(key));
    assert.doesNotMatch(ping.body.response, /quoted/, 'nor a value as JSON escapes it');
    assert.match(ping.body.response, /"x-api-key":"\[redacted\]"/);

    const eventId = await ingest(subscription, 'echo-1');
    const delivery = await waitFor('delivered', async () => {
      const [row] = (await app.api('get', `/api/deliveries?destinationId=${destination.id}&eventId=${eventId}`)).body.data;
      return row?.state === 'delivered' && row;
    });
    const detail = await app.api('get', `/api/deliveries/${delivery.id}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.attemptLog.length, 1);
    assert.doesNotMatch(detail.text, new RegExp(key));
    assert.match(detail.body.attemptLog[0].responseBody, /"x-api-key":"\[redacted\]"/);
    assert.equal(detail.body.attemptLog[0].responseHeaders['x-echoed-key'], '[redacted]');
  });

  it('after a manual retry, shows the attempts of this round and every attempt made; nextAttemptAt only while pending', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const consumer = await Consumer.start();
    closers.push(() => consumer.close());
    consumer.respond = (_hook, attempt) => ({ status: attempt <= 2 ? 500 : 200 });
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] } });
    const eventId = await ingest(subscription, 'rounds-1');
    const view = async () => (await app.api('get', `/api/deliveries?destinationId=${destination.id}&eventId=${eventId}`)).body.data[0];
    const delivered = await waitFor('delivered after 500, 500, 200', async () => ((await view())?.state === 'delivered' ? view() : undefined));
    assert.deepEqual([delivered.attempts, delivered.totalAttempts, delivered.nextAttemptAt], [3, 3, null]);

    const retried = await app.api('post', `/api/deliveries/${delivered.id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.deepEqual([retried.body.state, retried.body.attempts, retried.body.totalAttempts], ['pending', 0, 3]);
    assert.ok(!Number.isNaN(Date.parse(retried.body.nextAttemptAt)), `pending: due at ${retried.body.nextAttemptAt}`);

    await waitFor('delivered again', async () => consumer.of(eventId).length === 4 && (await view())?.state === 'delivered');
    const again = await app.api('get', `/api/deliveries/${delivered.id}`);
    assert.deepEqual(
      [again.body.state, again.body.attempts, again.body.totalAttempts, again.body.attemptLog.length, again.body.nextAttemptAt],
      ['delivered', 1, 4, 4, null],
    );
    assert.deepEqual([(await view()).attempts, (await view()).totalAttempts], [1, 4], 'the list says the same');
  });

  it('serves a burst of /metrics scrapes from one backlog aggregate, and counts again once it is older than its period', async () => {
    const metrics = app.app.get(DeliveryMetrics);
    const period = metrics.snapshotMaxAgeMs;
    assert.ok(period >= 1000 && period <= 30_000, `a short cache: ${period} ms`);
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const destination = await createDestination(app, { url: 'http://127.0.0.1:1/hooks', filter: { subscriptionIds: [subscription.id] } });
    assert.equal((await app.api('post', `/api/destinations/${destination.id}/pause`)).status, 200);
    const backlog = async (count: number) => waitFor(`${count} queued`, async () => (await app.api('get', `/api/destinations/${destination.id}`)).body.backlog === count);
    const scrape = async () => {
      const text = (await app.http().get('/metrics')).text;
      return [metricValue(text, `delivery_backlog{destination="${destination.id}"}`), metricValue(text, `delivery_oldest_pending_age_seconds{destination="${destination.id}"}`)];
    };
    try {
      await ingest(subscription, 'metrics-cache-1');
      await backlog(1);
      metrics.snapshotMaxAgeMs = 60_000; // no expiry while this test runs
      const [first, firstAge] = await scrape();
      assert.equal(first, 1);
      await ingest(subscription, 'metrics-cache-2');
      await backlog(2);
      const [second, secondAge] = await scrape();
      assert.equal(second, 1, 'the second scrape reads the first one’s aggregate: it did not count again');
      assert.ok(secondAge >= firstAge, `the oldest pending still ages: ${firstAge} then ${secondAge}`);
      metrics.snapshotMaxAgeMs = 0; // the period is over
      assert.equal((await scrape())[0], 2, 'counted again');
    } finally {
      metrics.snapshotMaxAgeMs = period;
    }
  });
});
