import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';

/** Tests that hold a transaction open in a session of their own beside the app's. */
const SECOND_SESSION = EMBEDDED && 'holds a transaction open in a second session: the embedded database has one connection, the app\'s';

describe('Management API: events', () => {
  let app: TestApp;
  let subscription: CreatedSubscription;
  let other: CreatedSubscription;

  before(async () => {
    app = await startTestApp();
    subscription = await createSubscription(app, { vendor: 'walnut' });
    other = await createSubscription(app, { vendor: 'walnut' });
  });
  after(async () => app?.close());

  function walnutEvent(n: number, event = 'demo_session_finished'): Buffer {
    return Buffer.from(
      JSON.stringify({ event, timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(), data: { demo: { id: `demo-${n}` }, session_id: `s-${n}` } }),
    );
  }

  async function deliver(target: CreatedSubscription, body: Buffer): Promise<string> {
    const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${target.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(target.secret!, body) },
      body,
    });
    assert.equal(response.status, 200, response.text);
    return response.body.eventId;
  }

  async function page(query: Record<string, string>) {
    const response = await app.api('get', `/api/events?${new URLSearchParams(query)}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as { data: Array<{ id: string; eventType: string; status: string }>; nextCursor: string | null; hasMore: boolean };
  }

  /** Follows nextCursor until a page comes back empty; returns every id seen, in order. */
  async function drain(query: Record<string, string>, cursor?: string): Promise<{ ids: string[]; cursor?: string }> {
    const ids: string[] = [];
    for (;;) {
      const result = await page({ ...query, ...(cursor ? { cursor } : {}) });
      ids.push(...result.data.map((event) => event.id));
      cursor = result.nextCursor ?? cursor;
      if (result.data.length === 0) return { ids, cursor };
    }
  }

  it('pages through the feed in a stable order with a cursor, no gaps, no repeats', async () => {
    const sent: string[] = [];
    for (let n = 0; n < 7; n++) sent.push(await deliver(subscription, walnutEvent(n)));
    const first = await page({ subscriptionId: subscription.id, limit: '3' });
    assert.equal(first.data.length, 3);
    assert.equal(first.hasMore, true);
    const { ids } = await drain({ subscriptionId: subscription.id, limit: '3' });
    assert.deepEqual(ids, sent);
    const again = await drain({ subscriptionId: subscription.id, limit: '3' });
    assert.deepEqual(again.ids, sent, 'the same query gives the same order');
  });

  it('filters by vendor, subscription, type, status and time range', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const typed = await deliver(other, walnutEvent(100, 'demo_started'));
    const quarantined = await deliver(other, Buffer.from('{"unexpected": "shape"}'));
    const bySubscription = await page({ subscriptionId: other.id });
    assert.deepEqual(bySubscription.data.map((e) => e.id), [typed, quarantined]);
    assert.deepEqual((await page({ subscriptionId: other.id, eventType: 'demo_started' })).data.map((e) => e.id), [typed]);
    assert.deepEqual((await page({ subscriptionId: other.id, status: 'quarantined' })).data.map((e) => e.id), [quarantined]);
    assert.deepEqual((await page({ subscriptionId: other.id, status: 'accepted' })).data.map((e) => e.id), [typed]);
    assert.equal((await page({ subscriptionId: other.id, since: before })).data.length, 2);
    assert.equal((await page({ subscriptionId: other.id, until: before })).data.length, 0);
    assert.equal((await page({ subscriptionId: other.id, vendor: 'insightarc' })).data.length, 0);
    assert.equal((await page({ subscriptionId: other.id, vendor: 'walnut' })).data.length, 2);
  });

  it('refuses bad query parameters with 400', async () => {
    for (const query of ['cursor=bm9wZQ', 'limit=0', 'limit=501', 'status=lost', 'since=yesterday', 'subscriptionId=42', 'extra=1']) {
      const response = await app.api('get', `/api/events?${query}`);
      assert.equal(response.status, 400, query);
    }
    const cursor = await app.api('get', '/api/events?cursor=bm9wZQ');
    assert.equal(cursor.body.code, 'INVALID_CURSOR');
  });

  it('reads one event with its raw body, and 404 for an unknown id', async () => {
    const body = walnutEvent(200);
    const id = await deliver(subscription, body);
    const response = await app.api('get', `/api/events/${id}`);
    assert.equal(response.status, 200);
    assert.equal(Buffer.from(response.body.rawBody, 'base64').toString(), body.toString());
    assert.equal((await app.api('get', '/api/events/999999999')).status, 404);
    assert.equal((await app.api('get', '/api/events/abc')).status, 404);
  });

  it('never hands out a cursor past a row whose transaction is still in flight', { skip: SECOND_SESSION }, async () => {
    const tail = await drain({});
    // A writer that took its row first but commits last, as concurrent ingests do.
    const slow = new Client({ connectionString: app.database.url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const {
        rows: [late],
      } = await slow.query(
        `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, payload, raw_body, created_xid)
         VALUES ($1, 'walnut', 'late', 'late-1', 'accepted', '{}', '\\x7b7d', pg_current_xact_id()::text::bigint) RETURNING id`,
        [subscription.id],
      );
      const quick = await deliver(subscription, walnutEvent(300));
      assert.ok(Number(quick) > Number(late.id), 'the quick row has the higher id and commits first');

      const during = await drain({}, tail.cursor);
      assert.ok(!during.ids.includes(quick), 'a row committed after an in-flight one waits until that one is done');

      await slow.query('COMMIT');
      const afterCommit = await drain({}, during.cursor);
      assert.deepEqual(afterCommit.ids.sort(), [late.id, quick].sort(), 'both rows arrive, none skipped');
    } finally {
      await slow.end();
    }
  });

  it('keeps handing out committed events while two writers are in flight, and waits only for theirs', { skip: SECOND_SESSION }, async () => {
    const committed = await deliver(subscription, walnutEvent(500));
    const writers = [new Client({ connectionString: app.database.url }), new Client({ connectionString: app.database.url })];
    try {
      const inFlight: string[] = [];
      for (const [n, writer] of writers.entries()) {
        await writer.connect();
        await writer.query('BEGIN');
        const { rows } = await writer.query(
          `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, payload, raw_body, created_xid)
           VALUES ($1, 'walnut', 'late', $2, 'accepted', '{}', '\\x7b7d', pg_current_xact_id()::text::bigint) RETURNING id`,
          [subscription.id, `two-writers-${n}`],
        );
        inFlight.push(rows[0].id);
      }
      const during = await drain({ subscriptionId: subscription.id });
      assert.ok(during.ids.includes(committed), 'an event committed before the writers began is readable');
      for (const writer of writers) await writer.query('COMMIT');
      const afterCommit = await drain({ subscriptionId: subscription.id }, during.cursor);
      assert.deepEqual(afterCommit.ids.sort(), [...inFlight].sort());
    } finally {
      for (const writer of writers) await writer.end();
    }
  });

  it('answers 400 and 404, not 500, for ids and cursors beyond a bigint', async () => {
    const huge = Buffer.from('9999999999999999999:1').toString('base64url');
    const cursor = await app.api('get', `/api/events?cursor=${huge}`);
    assert.equal(cursor.status, 400);
    assert.equal(cursor.body.code, 'INVALID_CURSOR');
    assert.equal((await app.api('get', '/api/events/9999999999999999999')).status, 404);
  });

  it('is not held back by a long transaction that never writes events', { skip: SECOND_SESSION }, async () => {
    const unrelated = new Client({ connectionString: app.database.url });
    await unrelated.connect();
    try {
      await unrelated.query('BEGIN');
      await unrelated.query('SELECT pg_current_xact_id()'); // holds a transaction id, as a report or migration would
      const id = await deliver(subscription, walnutEvent(400));
      const latest = await drain({ subscriptionId: subscription.id });
      assert.ok(latest.ids.includes(id), 'the event is readable at once');
    } finally {
      await unrelated.query('ROLLBACK');
      await unrelated.end();
    }
  });

  it('a reader tailing while many writers deliver concurrently sees every event exactly once', async () => {
    const start = await drain({});
    const writers = 6;
    const perWriter = 25;
    const delivered: string[] = [];
    let writing = true;
    const seen: string[] = [];
    let cursor = start.cursor;
    const reader = (async () => {
      for (let round = 0; round < 10_000; round++) {
        const stillWriting = writing;
        const result = await drain({ limit: '7' }, cursor);
        seen.push(...result.ids);
        cursor = result.cursor;
        if (!stillWriting && seen.length >= delivered.length) return;
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) delivered.push(await deliver(subscription, walnutEvent(1000 + w * perWriter + i)));
      }),
    );
    writing = false;
    await reader;
    assert.equal(delivered.length, writers * perWriter);
    assert.equal(new Set(seen).size, seen.length, 'no event seen twice');
    assert.deepEqual([...seen].sort(), [...delivered].sort(), 'every acknowledged event seen');
  });
});
