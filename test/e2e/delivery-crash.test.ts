import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecretCipher } from '../../src/common/secret-cipher';
import { generateSigningSecret } from '../../src/delivery/delivery-signer';
import { Consumer } from '../support/consumer';
import { deliveriesOf, ingestWalnut, walnutBody } from '../support/delivery';
import { freePort, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { sendRaw } from '../support/raw-http';
import { TEST_API_TOKEN, TEST_SECRETS_KEY } from '../support/test-app';
import { EMBEDDED, createTestDatabase, databaseQueryable, queryDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const HEADER_SECRET = 'internal-token-7f3a9c1e5b';

describe('Crash mid-delivery (kill -9 while holding delivery leases)', { skip: EMBEDDED && 'reads the leases while an instance holds them, and a second instance takes over: PostgreSQL only' }, () => {
  let database: TestDatabase;
  let consumer: Consumer;
  const gateways: GatewayProcess[] = [];
  before(async () => {
    database = await createTestDatabase();
    consumer = await Consumer.start();
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop('SIGKILL');
    await consumer?.close();
    await database?.drop();
  });

  it('loses nothing: the leases expire and another instance delivers every event', async () => {
    const env = async () => ({
      DATABASE_URL: database.url,
      SECRETS_KEY: TEST_SECRETS_KEY,
      API_TOKENS: TEST_API_TOKEN,
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      DELIVERY_POLL_MS: '50',
      DELIVERY_BACKOFF_BASE_SECONDS: '1',
    });
    const doomed = await startGatewayProcess(await env());
    gateways.push(doomed);
    const created = await sendRaw(doomed.baseUrl, 'POST', '/api/subscriptions', {
      headers: { Authorization: `Bearer ${TEST_API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ vendor: 'walnut', name: 'crash' }),
    });
    assert.equal(created.status, 201, created.text);
    const subscription = created.body as { id: string; secret: string };
    // The destination row as the API would store it (signing secret encrypted with SECRETS_KEY), from the feed's beginning.
    // A 1 s timeout: its leases (the timeout plus 15 s) expire soon after the kill.
    const signingSecret = generateSigningSecret();
    const destinationId = randomUUID();
    const cipher = new SecretCipher(Buffer.from(TEST_SECRETS_KEY, 'hex'));
    await queryDatabase(
      database.url,
      `INSERT INTO destinations (id, name, url, filter, headers, signing_secret, timeout_ms, cursor_xid, cursor_id) VALUES ($1, 'crash', $2, $3::jsonb, $4, $5, 1000, 0, 0)`,
      [destinationId, consumer.url, JSON.stringify({ subscriptionIds: [subscription.id] }), cipher.encrypt(JSON.stringify({ 'x-internal-token': HEADER_SECRET })), cipher.encrypt(signingSecret)],
    );
    consumer.secrets = [signingSecret];
    // The consumer sits on every request, so the instance dies holding leases.
    consumer.respond = () => 'hang';
    const ids: string[] = [];
    let failedOnce = 0;
    for (let n = 0; n < 20; n++) ids.push(await ingestWalnut(doomed.baseUrl, subscription, walnutBody(`crash-${n}`)));
    await waitFor('the doomed instance to hold leases', async () => consumer.inFlight >= 10);
    const leased = new Map(
      (await queryDatabase(database.url, `SELECT event_id::text, attempts FROM deliveries WHERE leased_until > now()`)).map((row) => [row.event_id as string, row.attempts as number]),
    );
    await doomed.stop('SIGKILL');
    assert.ok(leased.size >= 10, 'the instance died holding leases');
    // The survivor's first attempt of the last event fails, so it logs an attempt.
    consumer.respond = (hook) => (hook.id === ids.at(-1) && !failedOnce++ ? { status: 500 } : { status: 200 });

    const survivor = await startGatewayProcess(await env());
    gateways.push(survivor);
    await waitFor(
      'every event delivered by the survivor',
      async () => {
        const rows = await deliveriesOf(databaseQueryable(database.url), destinationId);
        return rows.length === ids.length && rows.every((row) => row.state === 'delivered');
      },
      60_000,
    );
    const rows = await deliveriesOf(databaseQueryable(database.url), destinationId);
    for (const row of rows) {
      const answered = consumer.of(row.event_id).length;
      assert.ok(answered >= 1, `event ${row.event_id} reached the consumer`);
      if (leased.has(row.event_id)) assert.equal(row.attempts, leased.get(row.event_id)! + 1, `event ${row.event_id}: the lost attempt counts, then the survivor's`);
    }
    assert.ok(consumer.received.every((hook) => hook.verified));
    assert.ok(consumer.received.every((hook) => hook.headers['x-internal-token'] === HEADER_SECRET), 'the static header on every attempt');
    // Attempt log lines name the delivery, event and destination, and never a secret.
    const failed = rows.find((row) => row.event_id === ids.at(-1))!;
    assert.ok(
      survivor.output().includes(`Delivery ${failed.id} (event ${failed.event_id}, destination ${destinationId}), attempt`),
      `the failed attempt is logged with its ids:\n${survivor.output()}`,
    );
    for (const gateway of gateways) {
      assert.ok(!gateway.output().includes(signingSecret.slice(6)), 'no signing secret in the log');
      assert.ok(!gateway.output().includes(HEADER_SECRET), 'no header value in the log');
    }
  });
});
