import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FakeInsideView } from '../fakes/fake-insideview';
import { freePort, gatewayDatabase, startGatewayProcess, type GatewayDatabase, type GatewayProcess } from '../support/gateway-process';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { TEST_API_TOKEN, TEST_SECRETS_KEY } from '../support/test-app';
import { EMBEDDED, createTestDatabase, queryDatabase, type TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const auth = { Authorization: `Bearer ${TEST_API_TOKEN}`, 'Content-Type': 'application/json' };

const rows = (database: TestDatabase, sql: string, params: unknown[] = []) => queryDatabase(database.url, sql, params);

describe('Crash mid-load (kill -9)', () => {
  let database: GatewayDatabase;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    database = await gatewayDatabase();
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await database?.drop();
  });

  it('keeps every acknowledged event, and stores none twice once the sender retries the rest', async () => {
    const port = String(await freePort());
    const env = { ...database.env, SECRETS_KEY: TEST_SECRETS_KEY, API_TOKENS: TEST_API_TOKEN, PORT: port, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
    gateway = await startGatewayProcess(env);
    const created = await sendRaw(gateway.baseUrl, 'POST', '/api/subscriptions', { headers: auth, body: JSON.stringify({ vendor: 'walnut', name: 'crash' }) });
    const { id, secret } = created.body as { id: string; secret: string };
    const bodies = Array.from({ length: 600 }, (_, n) =>
      Buffer.from(JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-01-01T00:00:00Z', data: { demo: { id: 'd' }, session_id: `crash-${n}` } })),
    );
    const send = (body: Buffer) =>
      sendRaw(gateway!.baseUrl, 'POST', `/webhooks/walnut/${id}`, {
        headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(secret, body) },
        body,
      }).then(
        (response) => response.status,
        () => 0, // the connection died with the process
      );

    // Eight senders stream events; the gateway is killed while they do.
    const acknowledged = new Set<number>();
    let next = 0;
    const senders = Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const n = next++;
        if ((await send(bodies[n])) === 200) acknowledged.add(n);
      }
    });
    await waitFor('some events acknowledged', async () => acknowledged.size >= 100);
    await gateway.stop('SIGKILL');
    await Promise.all(senders);
    assert.ok(acknowledged.size < bodies.length, 'the crash cut the stream short');

    const stored = await database.query('SELECT dedupe_key FROM webhook_events WHERE subscription_id = $1', [id]);
    const storedKeys = new Set(stored.map((row) => row.dedupe_key));
    const keyOf = (n: number) => `sha256:${createHash('sha256').update(bodies[n]).digest('hex')}`;
    for (const n of acknowledged) assert.ok(storedKeys.has(keyOf(n)), `acknowledged event ${n} is stored`);

    // Restart; the sender retries everything it has no 200 for, and some it has, as vendors do.
    gateway = await startGatewayProcess(env);
    for (let n = 0; n < bodies.length; n++) {
      if (!acknowledged.has(n) || n % 10 === 0) assert.equal(await send(bodies[n]), 200, `retry of ${n}`);
    }
    // Stopped before reading: the embedded database admits one process at a time.
    await gateway.stop();
    gateway = undefined;
    const [{ total, distinct }] = await database.query('SELECT count(*)::int AS total, count(DISTINCT dedupe_key)::int AS distinct FROM webhook_events WHERE subscription_id = $1', [id]);
    assert.equal(total, bodies.length, 'every event stored');
    assert.equal(distinct, total, 'none twice');
  });
});

describe('Crash mid-job (kill -9 while holding alert leases)', { skip: EMBEDDED && 'reads the leases while an instance holds them, and a second instance takes over: PostgreSQL only' }, () => {
  let database: TestDatabase;
  let fake: FakeInsideView;
  const gateways: GatewayProcess[] = [];
  before(async () => {
    database = await createTestDatabase();
    fake = await FakeInsideView.start();
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop('SIGKILL');
    await fake?.close();
    await database?.drop();
  });

  it('lets another instance take over after the lease expires, and stores each alert’s details once', async () => {
    const ports = [String(await freePort()), String(await freePort())];
    const env = (port: string) => ({
      DATABASE_URL: database.url,
      SECRETS_KEY: TEST_SECRETS_KEY,
      API_TOKENS: TEST_API_TOKEN,
      PORT: port,
      PUBLIC_BASE_URL: `http://127.0.0.1:${ports[0]}`,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      INSIDEVIEW_API_URL: fake.apiUrl,
      INSIDEVIEW_TOKEN_URL: fake.tokenUrl,
      INSIDEVIEW_CLIENT_ID: fake.clientId,
      INSIDEVIEW_CLIENT_SECRET: fake.clientSecret,
      INSIDEVIEW_TIMEOUT_MS: '5000',
      INSIDEVIEW_MAX_RETRIES: '0',
      ALERT_FETCH_LEASE_SECONDS: '11',
      ALERT_FETCH_POLL_MS: '200',
      ALERT_FETCH_CONCURRENCY: '10',
    });
    const doomed = await startGatewayProcess(env(ports[0]));
    gateways.push(doomed);
    const created = await sendRaw(doomed.baseUrl, 'POST', '/api/subscriptions', {
      headers: auth,
      body: JSON.stringify({ vendor: 'insideview', name: 'crash', insideview: { subscriptionType: 'company', companyIds: ['1'] } }),
    });
    assert.equal(created.status, 201, created.text);
    const vendorRef = created.body.vendorRef as string;
    const ids = Array.from({ length: 10 }, (_, n) => `leased-${n}`);
    for (const id of ids) fake.setAlert(vendorRef, id, { pages: [[`${id}-c`]] });
    // InsideView answers slowly, so the doomed instance is holding leases when it dies.
    fake.fail({ path: /\/alert\/leased-/, delayMs: 4000, times: 10 });
    for (const id of ids) assert.equal((await fake.sendAlert(vendorRef, { alertId: id })).status, 200);
    await waitFor('leases held', async () => (await rows(database, `SELECT 1 FROM insideview_alerts WHERE state = 'fetching'`)).length >= 3);
    await doomed.stop('SIGKILL');
    const killedAt = Date.now();
    // Still 'fetching' now that its instance is dead: these leases can only expire.
    const leased = (await rows(database, `SELECT alert_id FROM insideview_alerts WHERE state = 'fetching'`)).map((row) => row.alert_id as string);
    assert.ok(leased.length >= 1, 'the instance died holding leases');

    gateways.push(await startGatewayProcess(env(ports[1])));
    await waitFor(
      'the survivor to fetch all ten',
      async () => {
        const [{ n }] = await rows(database, `SELECT count(*)::int AS n FROM insideview_alerts WHERE state = 'fetched'`);
        return n === 10;
      },
      60_000,
    );
    const fetched = await rows(database, `SELECT alert_id, details, fetched_at FROM insideview_alerts ORDER BY alert_id`);
    for (const row of fetched) {
      assert.deepEqual(row.details.companyIds, [`${row.alert_id}-c`], 'details stored once, complete');
      if (leased.includes(row.alert_id)) {
        assert.ok(row.fetched_at.getTime() - killedAt >= 5000, `${row.alert_id} was taken over only once its lease had expired`);
      }
    }
    for (const id of leased) {
      const afterCrash = fake.requests.filter((request) => request.path.endsWith(`/alert/${id}`) && request.at >= killedAt).length;
      assert.equal(afterCrash, 1, `${id}: requested once by the survivor (the dead instance may or may not have sent its own)`);
    }
  });
});
