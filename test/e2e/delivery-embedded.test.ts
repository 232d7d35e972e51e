import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';
import { waitFor } from '../support/wait';

describe('Delivery on the embedded database (PGlite)', { skip: EMBEDDED && 'on the embedded database in either pass: runs in the PostgreSQL pass' }, () => {
  let app: TestApp;
  let consumer: Consumer;
  before(async () => {
    // No DATABASE_URL: the embedded PGlite in the app's own DATA_DIR, one connection.
    app = await startTestApp({ DATABASE_URL: '', DELIVERY_POLL_MS: '50', DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_MAX_ATTEMPTS: '3' });
    consumer = await Consumer.start();
  });
  after(async () => {
    await app?.close();
    await consumer?.close();
  });

  it('fans out, signs, retries and records outcomes as on PostgreSQL', async () => {
    const dataSource = app.app.get<DataSource>(getDataSourceToken());
    assert.equal(dataSource.options.type, 'postgres');
    assert.ok(!('url' in dataSource.options && dataSource.options.url), 'no server: embedded');
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const destination = await createDestination(app, { url: consumer.url, filter: { subscriptionIds: [subscription.id] }, ordering: 'subscription' });
    consumer.secrets = [destination.signingSecret];
    consumer.respond = (_hook, attempt) => (attempt === 1 ? { status: 500 } : { status: 200 });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`embedded-${n}`)));
    await waitFor('every event delivered', async () => {
      const rows: Array<{ n: number }> = await dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1 AND state = 'delivered'`, [destination.id]);
      return rows[0].n === ids.length;
    });
    assert.ok(consumer.received.every((hook) => hook.verified));
    // ordering: subscription, and each event failed once: strictly one after the other.
    assert.deepEqual(
      consumer.received.map((hook) => hook.id),
      ids.flatMap((id) => [id, id]),
    );
    const [attempts]: Array<{ n: number }> = await dataSource.query('SELECT count(*)::int AS n FROM delivery_attempts');
    assert.equal(attempts.n, ids.length * 2);
  });
});
