import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app';
import { MAX_REPLAY_EVENTS } from '../../src/delivery/deliveries.service';

/**
 * The deliveries API over rows seeded by SQL: the engine that queues and attempts deliveries is
 * tested elsewhere. Destinations are paused, so no worker sends what is seeded here.
 */
describe('Deliveries API', () => {
  let app: TestApp;
  let destinationId: string;
  let otherDestinationId: string;
  const subscriptionA = randomUUID();
  const subscriptionB = randomUUID();
  /** Seeded event ids by name. */
  const events: Record<string, string> = {};
  /** Seeded delivery ids, oldest first. */
  const deliveries: string[] = [];

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => app.query<T>(text, params);

  async function seedEvent(name: string, fields: { vendor?: string; subscriptionId?: string | null; eventType?: string; status?: string; isTest?: boolean; receivedAt?: string }) {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, payload, raw_body, is_test, received_at, created_xid)
       VALUES ($1, $2, $3, $4, $5, '{}', '\\x7b7d', $6, $7, pg_current_xact_id()::text::bigint) RETURNING id::text`,
      [fields.subscriptionId ?? subscriptionA, fields.vendor ?? 'walnut', fields.eventType ?? 'demo_session_finished', `key-${name}`, fields.status ?? 'accepted', fields.isTest ?? false, fields.receivedAt ?? '2024-06-01T00:00:00Z'],
    );
    events[name] = row.id;
  }

  async function seedDelivery(destination: string, event: string, state: string, attempts: Array<{ status: number | null; error?: string }>) {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO deliveries (destination_id, event_id, subscription_id, event_xid, state, attempts, last_status_code, delivered_at)
       SELECT $1, e.id, e.subscription_id, e.created_xid, $3::text, $4, $5, CASE WHEN $3::text = 'delivered' THEN now() END FROM webhook_events e WHERE e.id = $2
       RETURNING id::text`,
      [destination, events[event], state, attempts.length, attempts.at(-1)?.status ?? null],
    );
    for (const [index, attempt] of attempts.entries()) {
      await sql(
        `INSERT INTO delivery_attempts (delivery_id, at, status_code, duration_ms, response_headers, response_body, error)
         VALUES ($1, now() - make_interval(secs => $2), $3, 12, $4, $5, $6)`,
        [row.id, 100 - index, attempt.status, JSON.stringify({ 'content-type': 'text/plain' }), attempt.status === null ? null : `answer ${index + 1}`, attempt.error ?? null],
      );
    }
    deliveries.push(row.id);
    return row.id;
  }

  before(async () => {
    app = await startTestApp();
    for (const id of [subscriptionA, subscriptionB]) {
      await sql(`INSERT INTO subscriptions (id, vendor, name, status, callback_url) VALUES ($1, 'walnut', 'seeded', 'ACTIVE', 'https://gateway.example.com/x')`, [id]);
    }
    await seedEvent('a1', {});
    await seedEvent('a2', { eventType: 'other_type' });
    await seedEvent('b1', { subscriptionId: subscriptionB, receivedAt: '2024-07-01T00:00:00Z' });
    await seedEvent('quarantined', { status: 'quarantined' });
    await seedEvent('test', { isTest: true });
    await seedEvent('insightarc', { vendor: 'insightarc', eventType: 'signal' });
    // Created after the events with startFrom now: replay must ignore that.
    const create = async (filter: object) => {
      const response = await app.api('post', '/api/destinations', { name: 'Seeded', url: 'http://127.0.0.1:1/hooks', filter });
      assert.equal(response.status, 201, response.text);
      assert.equal((await app.api('post', `/api/destinations/${response.body.id}/pause`)).status, 200);
      return response.body.id as string;
    };
    destinationId = await create({ vendors: ['walnut'], statuses: ['accepted', 'quarantined'] });
    otherDestinationId = await create({});
    await seedDelivery(destinationId, 'a1', 'delivered', [{ status: 500 }, { status: null, error: 'timeout: no complete answer within 15000 ms' }, { status: 200 }]);
    await seedDelivery(destinationId, 'a2', 'failed', [{ status: 503 }]);
    await seedDelivery(destinationId, 'b1', 'pending', []);
    await seedDelivery(otherDestinationId, 'a1', 'pending', []);
  });
  after(async () => app?.close());

  it('lists deliveries newest first, filtered, page by page', async () => {
    const all = await app.api('get', '/api/deliveries');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((row: { id: string }) => row.id), [...deliveries].reverse());
    assert.equal(all.body.nextCursor, null);
    const first = all.body.data.at(-1);
    assert.deepEqual(
      { ...first, createdAt: undefined, nextAttemptAt: undefined, deliveredAt: typeof first.deliveredAt },
      { id: deliveries[0], destinationId, destination: { id: destinationId, name: 'Seeded', url: 'http://127.0.0.1:1/hooks', deleted: false }, eventId: events.a1, state: 'delivered', attempts: 3, totalAttempts: 3, throttles: 0, lastStatusCode: 200, lastError: null, createdAt: undefined, nextAttemptAt: undefined, deliveredAt: 'string' },
    );

    const ids = async (query: string) => (await app.api('get', `/api/deliveries?${query}`)).body.data.map((row: { id: string }) => row.id);
    assert.deepEqual(await ids(`destinationId=${otherDestinationId}`), [deliveries[3]]);
    assert.deepEqual(await ids(`eventId=${events.a1}`), [deliveries[3], deliveries[0]]);
    assert.deepEqual(await ids(`state=failed`), [deliveries[1]]);
    assert.deepEqual(await ids(`destinationId=${destinationId}&state=pending`), [deliveries[2]]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: Array<{ id: string }>; nextCursor: string | null } } = await app.api('get', `/api/deliveries?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.data.map((row) => row.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...deliveries].reverse(), 'every delivery once, across pages');

    for (const query of ['state=lost', 'destinationId=nope', 'eventId=abc', 'eventId=9223372036854775808', 'cursor=xyz', 'limit=0']) {
      const response = await app.api('get', `/api/deliveries?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.match(response.body.message, new RegExp(query.split('=')[0]));
    }
  });

  it('shows one delivery with every attempt, oldest first', async () => {
    const response = await app.api('get', `/api/deliveries/${deliveries[0]}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.state, 'delivered');
    assert.deepEqual(
      response.body.attemptLog.map((attempt: Record<string, unknown>) => [attempt.statusCode, attempt.responseBody, attempt.error, attempt.durationMs, attempt.responseHeaders]),
      [
        [500, 'answer 1', null, 12, { 'content-type': 'text/plain' }],
        [null, null, 'timeout: no complete answer within 15000 ms', 12, { 'content-type': 'text/plain' }],
        [200, 'answer 3', null, 12, { 'content-type': 'text/plain' }],
      ],
    );
    const times = response.body.attemptLog.map((attempt: { at: string }) => Date.parse(attempt.at));
    assert.deepEqual(times, [...times].sort((x: number, y: number) => x - y));
    for (const id of ['999999', 'abc', '9223372036854775808']) {
      const missing = await app.api('get', `/api/deliveries/${id}`);
      assert.equal(missing.status, 404, id);
      assert.equal(missing.body.code, 'DELIVERY_NOT_FOUND');
    }
  });

  it('retries a delivery: pending, due now, attempts reset; not once its destination is deleted', async () => {
    const response = await app.api('post', `/api/deliveries/${deliveries[1]}/retry`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.state, 'pending');
    assert.equal(response.body.attempts, 0);
    const [row] = await sql<{ due: boolean }>('SELECT next_attempt_at <= now() AS due FROM deliveries WHERE id = $1', [deliveries[1]]);
    assert.equal(row.due, true);
    assert.equal((await app.api('get', `/api/deliveries/${deliveries[1]}`)).body.attemptLog.length, 1, 'the attempt log is kept');
    assert.equal((await app.api('post', '/api/deliveries/999999/retry')).body.code, 'DELIVERY_NOT_FOUND');

    const doomed = await app.api('post', '/api/destinations', { name: 'Doomed', url: 'http://127.0.0.1:1/hooks' });
    await app.api('post', `/api/destinations/${doomed.body.id}/pause`);
    const delivery = await seedDelivery(doomed.body.id, 'a1', 'failed', [{ status: 500 }]);
    assert.equal((await app.api('delete', `/api/destinations/${doomed.body.id}`)).status, 204);
    const refused = await app.api('post', `/api/deliveries/${delivery}/retry`);
    assert.equal(refused.status, 404);
    assert.equal(refused.body.code, 'DESTINATION_NOT_FOUND');
    assert.equal((await app.api('get', `/api/deliveries/${delivery}`)).status, 200, 'its deliveries stay readable');
  });

  it("replays: the dry run counts the events matching the replay filters and the destination's own, then the replay queues exactly those", async () => {
    const replay = (body: object) => app.api('post', `/api/destinations/${destinationId}/replay`, body);
    // The destination takes walnut, accepted or quarantined, no test events: a1, a2, b1, quarantined.
    const counts: Array<[object, number]> = [
      [{}, 4],
      [{ subscriptionId: subscriptionB }, 1],
      [{ eventType: 'demo_session_finished' }, 3],
      [{ status: 'quarantined' }, 1],
      [{ vendor: 'insightarc' }, 0],
      [{ since: '2024-06-15T00:00:00Z' }, 1],
      [{ until: '2024-06-15T00:00:00Z' }, 3],
    ];
    for (const [filters, count] of counts) {
      const response = await replay({ ...filters, dryRun: true });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.body, { count }, JSON.stringify(filters));
    }
    const other = await app.api('post', `/api/destinations/${otherDestinationId}/replay`, { dryRun: true });
    assert.deepEqual(other.body, { count: 4 }, 'an empty filter: every accepted, non-test event (a1, a2, b1, insightarc)');
    const before = await sql<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1', [destinationId]);
    assert.equal(before[0].n, 3, 'a dry run queues nothing');

    const done = await replay({ eventType: 'demo_session_finished' });
    assert.deepEqual(done.body, { count: 3 });
    const rows = await sql<{ event_id: string; state: string; attempts: number; due: boolean; delivered_at: Date | null }>(
      'SELECT event_id::text, state, attempts, next_attempt_at <= now() AS due, delivered_at FROM deliveries WHERE destination_id = $1 ORDER BY event_id',
      [destinationId],
    );
    assert.deepEqual(
      rows.map((row) => [row.event_id, row.state, row.attempts, row.due, row.delivered_at]),
      [events.a1, events.a2, events.b1, events.quarantined].sort((x, y) => Number(x) - Number(y)).map((id) => [id, 'pending', 0, true, null]),
      'a1 (delivered), b1 and the quarantined one queued again; a2 left as the retry above left it',
    );
    assert.equal((await app.api('get', `/api/deliveries/${deliveries[0]}`)).body.attemptLog.length, 3, 'the attempt log is kept');
    const again = await replay({});
    assert.deepEqual(again.body, { count: 4 });
    const [{ n }] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1', [destinationId]);
    assert.equal(n, 4, 'one delivery per event and destination, however often replayed');

    const bad = await replay({ since: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^since/);
  });

  it('refuses a replay over more events than one call may queue, queuing none, and says how to narrow it', async () => {
    // One statement over a million events held a transaction (and so the feed's commit horizon) for many seconds.
    await sql(
      `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, raw_body, received_at, created_xid)
       SELECT $1, 'walnut', 'bulk', 'bulk-' || n, 'accepted', '\\x7b7d', '2025-01-01T00:00:00Z'::timestamptz + n * interval '1 second', pg_current_xact_id()::text::bigint
         FROM generate_series(1, $2::int) n`,
      [subscriptionA, MAX_REPLAY_EVENTS + 1],
    );
    // Created after the events (startFrom now), so the fan-out queues none of them: only a replay would.
    const response = await app.api('post', '/api/destinations', { name: 'Bulk', url: 'http://127.0.0.1:1/hooks', filter: { eventTypes: ['bulk'] } });
    const bulk = response.body.id as string;
    const replay = (body: object) => app.api('post', `/api/destinations/${bulk}/replay`, body);
    assert.deepEqual((await replay({ dryRun: true })).body, { count: MAX_REPLAY_EVENTS + 1 }, 'a dry run counts them all');
    const refused = await replay({});
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.code, 'REPLAY_TOO_LARGE');
    assert.match(refused.body.message, new RegExp(`more than ${MAX_REPLAY_EVENTS}.*since.*until`));
    const [{ n }] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1', [bulk]);
    assert.equal(n, 0, 'nothing queued');
    // Narrowed below the cap, it goes through.
    const narrowed = await replay({ until: '2025-01-01T00:00:11Z' });
    assert.deepEqual(narrowed.body, { count: 10 }, narrowed.text);
  });
});
