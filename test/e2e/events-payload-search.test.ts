import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { payloadMatchesSql } from '../../src/events/events.service';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Management API: events searched by payload', () => {
  let app: TestApp;
  let subscription: CreatedSubscription;
  let other: CreatedSubscription;
  const ids: Record<string, string> = {};

  async function deliver(target: CreatedSubscription, payload: object | string): Promise<string> {
    const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${target.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(target.secret!, body) },
      body,
    });
    assert.equal(response.status, 200, response.text);
    return response.body.eventId;
  }

  function walnut(session: string, extra: Record<string, unknown> = {}, event = 'demo_session_finished') {
    return { event, timestamp: '2024-01-01T00:00:00Z', data: { demo: { id: 'demo-1' }, session_id: session, ...extra } };
  }

  async function search(query: Record<string, string>): Promise<{ ids: string[]; nextCursor: string | null; hasMore: boolean }> {
    const response = await app.api('get', `/api/events?${new URLSearchParams(query)}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return { ids: response.body.data.map((event: { id: string }) => event.id), nextCursor: response.body.nextCursor, hasMore: response.body.hasMore };
  }

  const payload = (value: unknown) => JSON.stringify(value);

  before(async () => {
    app = await startTestApp();
    subscription = await createSubscription(app, { vendor: 'walnut' });
    other = await createSubscription(app, { vendor: 'walnut' });
    ids.plain = await deliver(subscription, walnut('sess-plain'));
    ids.tagged = await deliver(subscription, walnut('sess-tagged', { tags: ['red', 'green', 'blue'], user: { email: 'ann@example.com', plan: { tier: 'gold' } } }));
    ids.started = await deliver(subscription, walnut('sess-started', { tags: ['red'] }, 'demo_started'));
    // A number beyond a double's precision, stored as sent.
    ids.unicode = await deliver(subscription, JSON.stringify(walnut('sess-ünï-😀', { count: 'COUNT', ratio: 1.5 })).replace('"COUNT"', '12345678901234567890'));
    ids.otherPlain = await deliver(other, walnut('sess-plain-too', { tags: ['green'] }));
  });
  after(async () => app?.close());

  it('finds the events whose payload contains the object given, at any depth', async () => {
    assert.deepEqual((await search({ payload: payload({ data: { session_id: 'sess-plain' } }) })).ids, [ids.plain]);
    assert.deepEqual((await search({ payload: payload({ data: { user: { plan: { tier: 'gold' } } } }) })).ids, [ids.tagged]);
    assert.deepEqual((await search({ payload: payload({ event: 'demo_started', data: { session_id: 'sess-started' } }) })).ids, [ids.started]);
    // Every field must match: one that differs excludes the event.
    assert.deepEqual((await search({ payload: payload({ event: 'demo_started', data: { session_id: 'sess-plain' } }) })).ids, []);
    // Values are compared exactly, numbers by value, text as Unicode.
    assert.deepEqual((await search({ payload: payload({ data: { session_id: 'sess-ünï-😀' } }) })).ids, [ids.unicode]);
    assert.deepEqual((await search({ payload: '{"data":{"count":12345678901234567890}}' })).ids, [ids.unicode]);
    assert.deepEqual((await search({ payload: '{"data":{"count":12345678901234567891}}' })).ids, []);
    assert.deepEqual((await search({ payload: '{"data":{"ratio":1.50}}' })).ids, [ids.unicode]);
    assert.deepEqual((await search({ payload: payload({ data: { session_id: 'sess' } }) })).ids, [], 'no substring match');
    // The empty object is contained in every object payload.
    assert.deepEqual((await search({ payload: '{}', subscriptionId: other.id })).ids, [ids.otherPlain]);
  });

  it('matches arrays by containment: the items given, in any order, among others', async () => {
    const red = (await search({ payload: payload({ data: { tags: ['red'] } }) })).ids;
    assert.deepEqual(red, [ids.tagged, ids.started]);
    assert.deepEqual((await search({ payload: payload({ data: { tags: ['blue', 'red'] } }) })).ids, [ids.tagged]);
    assert.deepEqual((await search({ payload: payload({ data: { tags: ['red', 'yellow'] } }) })).ids, []);
    assert.deepEqual((await search({ payload: payload({ data: { tags: [] } }) })).ids, [ids.tagged, ids.started, ids.otherPlain]);
    // A scalar is not an array holding it.
    assert.deepEqual((await search({ payload: payload({ data: { tags: 'red' } }) })).ids, []);
  });

  it('combines with the other filters', async () => {
    const finished = payload({ event: 'demo_session_finished' });
    assert.deepEqual((await search({ payload: finished })).ids, [ids.plain, ids.tagged, ids.unicode, ids.otherPlain]);
    assert.deepEqual((await search({ payload: finished, subscriptionId: other.id })).ids, [ids.otherPlain]);
    assert.deepEqual((await search({ payload: payload({ data: { tags: ['green'] } }), subscriptionId: subscription.id })).ids, [ids.tagged]);
    assert.deepEqual((await search({ payload: finished, eventType: 'demo_started' })).ids, []);
    assert.deepEqual((await search({ payload: payload({ data: { tags: ['red'] } }), eventType: 'demo_started' })).ids, [ids.started]);
    assert.deepEqual((await search({ payload: finished, vendor: 'insightarc' })).ids, []);
    assert.deepEqual((await search({ payload: finished, vendor: 'walnut', status: 'accepted', isTest: 'false' })).ids, [ids.plain, ids.tagged, ids.unicode, ids.otherPlain]);
    assert.deepEqual((await search({ payload: finished, until: '2000-01-01T00:00:00Z' })).ids, []);
    assert.equal((await search({ payload: finished, since: '2000-01-01T00:00:00Z' })).ids.length, 4);
    // Empty, like the other filters, does not filter.
    assert.equal((await search({ payload: '', subscriptionId: subscription.id })).ids.length, 4);
  });

  it('pages through the matches with the cursor, no gaps, no repeats, and a tail picks up new matches', async () => {
    const query = { payload: payload({ event: 'demo_session_finished' }), limit: '1' };
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await search({ ...query, ...(cursor ? { cursor } : {}) });
      seen.push(...page.ids);
      cursor = page.nextCursor ?? cursor;
      if (page.ids.length === 0) break;
      assert.equal(page.hasMore, seen.length < 4, `hasMore after ${seen.length}`);
    }
    assert.deepEqual(seen, [ids.plain, ids.tagged, ids.unicode, ids.otherPlain]);
    // A non-matching event then a matching one arrive: the tail gets only the match.
    await deliver(subscription, walnut('sess-late', {}, 'demo_started'));
    const late = await deliver(subscription, walnut('sess-late-2'));
    assert.deepEqual((await search({ ...query, limit: '10', cursor: cursor! })).ids, [late]);
  });

  it('refuses a payload that is not a JSON object, naming the parameter', async () => {
    const refused: Array<[string, RegExp]> = [
      ['{"data":', /payload must be a JSON object.*not valid JSON/],
      ['session-1', /not valid JSON/],
      ['null', /payload must be a JSON object.*not null/],
      ['[]', /not an array/],
      ['[{"a":1}]', /not an array/],
      ['"text"', /not a string/],
      ['42', /not a number/],
      ['true', /not a boolean/],
      [`{"a":"${'x'.repeat(2100)}"}`, /payload must be at most 2048 characters/],
      [`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`, /payload must not nest deeper than 16 levels/],
      ['{"a":"\\u0000"}', /payload must not contain the NUL character/],
      ['{"\\u0000":1}', /payload must not contain the NUL character/],
      ['{"a":"\\ud800"}', /unpaired UTF-16 surrogate/],
      ['{"a":1e1000000}', /payload holds a number with an exponent beyond/],
      ['{"a":-1E-99999}', /exponent beyond/],
    ];
    for (const [value, message] of refused) {
      const response = await app.api('get', `/api/events?${new URLSearchParams({ payload: value })}`);
      assert.equal(response.status, 400, `${value.slice(0, 40)}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.match(response.body.message, message, value.slice(0, 40));
    }
    const twice = await app.api('get', '/api/events?payload=%7B%7D&payload=%7B%7D');
    assert.equal(twice.status, 400);
    assert.match(twice.body.message, /payload must be a JSON object/);
  });

  it('never answers 5xx to odd but valid searches', async () => {
    const odd = [
      '{"a":1e308}',
      '{"a":1e1000}',
      '{"a":-0.0000000000000000000000000000001}',
      '{"a":123456789012345678901234567890123456789012345678901234567890}',
      '{"a":null,"b":[null,true,false,{}],"c":{"d":[]}}',
      '{"a":1,"a":2}',
      '{"\\ud83d\\ude00":"\\u00e9"}',
      '{"a":"\'; DROP TABLE webhook_events; --"}',
      ' { "data" : { } } ',
    ];
    for (const value of odd) {
      const response = await app.api('get', `/api/events?${new URLSearchParams({ payload: value })}`);
      assert.equal(response.status, 200, `${value}: ${JSON.stringify(response.body)}`);
    }
    assert.equal((await search({ payload: ' { "data" : { } } ' })).ids.length >= 5, true);
  });

  it('is served by a GIN index on the payload, and pages through rare matches far apart and common ones in a long feed', async () => {
    const [index] = await app.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'webhook_events' AND indexname = 'IDX_webhook_events_payload'`);
    assert.match(index?.indexdef ?? '', /USING gin \(payload jsonb_path_ops\)/);
    // A long feed: rare matches come from the index, a search more than INDEX_CAP events match walks the feed.
    await app.query(
      `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, payload, raw_body, created_xid)
       SELECT $1, 'walnut', 'demo_session_finished', 'bulk-' || n, 'accepted', p, convert_to(p::text, 'UTF8'), pg_current_xact_id()::text::bigint
         FROM generate_series(1, 20000) n,
              LATERAL (SELECT jsonb_build_object('event', 'bulk', 'data', jsonb_build_object('session_id', 'bulk-' || n, 'group', 'g-' || (n % 5000))) AS p) x`,
      [other.id],
    );
    const expected = async (value: object) =>
      (await app.query<{ eventId: string }>(`SELECT id::text AS "eventId" FROM webhook_events WHERE payload @> CAST($1 AS jsonb) ORDER BY created_xid, id`, [payload(value)])).map((row) => row.eventId);
    const one = await expected({ data: { session_id: 'bulk-12345' } });
    assert.equal(one.length, 1);
    assert.deepEqual((await search({ payload: payload({ data: { session_id: 'bulk-12345' } }) })).ids, one);
    // Group 7: events 7, 5007, 10007 and 15007, far apart in the feed.
    const group = await expected({ data: { group: 'g-7' } });
    assert.equal(group.length, 4);
    for (const limit of ['1', '3', '10']) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 6; i++) {
        const page = await search({ payload: payload({ data: { group: 'g-7' } }), limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.ids);
        cursor = page.nextCursor ?? cursor;
        if (!page.hasMore) break;
      }
      assert.deepEqual(seen, group, `pages of ${limit}`);
    }
    assert.deepEqual((await search({ payload: payload({ data: { group: 'g-7' } }), subscriptionId: other.id, eventType: 'demo_session_finished' })).ids, group);
    assert.deepEqual((await search({ payload: payload({ data: { group: 'g-7' } }), subscriptionId: subscription.id })).ids, []);
    assert.deepEqual((await search({ payload: payload({ data: { group: 'g-7' } }), until: '2000-01-01T00:00:00Z' })).ids, []);
    // 20,000 matches, more than INDEX_CAP: the same pages, from the feed's own order.
    const bulk = await expected({ event: 'bulk' });
    assert.equal(bulk.length, 20000);
    const first = await search({ payload: payload({ event: 'bulk' }), limit: '500' });
    assert.deepEqual(first.ids, bulk.slice(0, 500));
    assert.equal(first.hasMore, true);
    const second = await search({ payload: payload({ event: 'bulk' }), limit: '500', cursor: first.nextCursor! });
    assert.deepEqual(second.ids, bulk.slice(500, 1000));
    assert.deepEqual((await search({ payload: payload({ event: 'bulk' }), limit: '500', cursor: second.nextCursor! })).ids, bulk.slice(1000, 1500));
    assert.deepEqual((await search({ payload: payload({ event: 'bulk' }), subscriptionId: subscription.id })).ids, []);
    // The query that finds them starts from the GIN index, with statistics and without.
    const [{ horizon }] = await app.query<{ horizon: string }>('SELECT (max(created_xid) + 1)::text AS horizon FROM webhook_events');
    const plan = async () => {
      const { sql, params } = payloadMatchesSql({ payload: payload({ data: { session_id: 'bulk-12345' } }), subscriptionId: other.id }, horizon, undefined, 101);
      return (await app.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((row) => row['QUERY PLAN']).join('\n');
    };
    assert.match(await plan(), /Bitmap Index Scan on "IDX_webhook_events_payload"/);
    await app.query('ANALYZE webhook_events');
    assert.match(await plan(), /Bitmap Index Scan on "IDX_webhook_events_payload"/);
  });
});
