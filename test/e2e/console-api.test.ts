import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { REPO_ROOT } from '../support/paths';

/** What the operator console needs from the API (counts for its overview and chart), and how /console is served. */
describe('The console: its API and its files', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.close();
  });

  async function walnutEvent(subscription: { id: string; secret?: string }, body: object) {
    const text = JSON.stringify(body);
    return app.http().post(`/webhooks/walnut/${subscription.id}`).set('Content-Type', 'application/json').set('X-Walnut-Signature', walnutSignature(subscription.secret!, text)).send(text);
  }
  const good = (n: number) => ({ event: 'demo_session_finished', timestamp: '2023-11-01T19:15:20.666Z', data: { demo: { id: `d${n}` }, session_id: `s${n}` } });

  it('counts events per vendor per minute (GET /api/events/stats), leaving out what is outside the range', async () => {
    const walnut = await createSubscription(app, { vendor: 'walnut' });
    for (const n of [1, 2, 3]) assert.equal((await walnutEvent(walnut, good(n))).status, 200);
    // Two events moved to known minutes in the past; one of them outside the range asked.
    await app.query(`UPDATE webhook_events SET received_at = '2024-03-01T10:05:30Z' WHERE subscription_id = $1 AND payload->'data'->>'session_id' = 's1'`, [walnut.id]);
    await app.query(`UPDATE webhook_events SET received_at = '2024-03-01T09:00:00Z' WHERE subscription_id = $1 AND payload->'data'->>'session_id' = 's2'`, [walnut.id]);
    const response = await app.api('get', '/api/events/stats?since=2024-03-01T10:00:00Z&until=2024-03-01T11:00:00Z');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, {
      since: '2024-03-01T10:00:00.000Z',
      until: '2024-03-01T11:00:00.000Z',
      bucket: 'minute',
      series: [{ vendor: 'walnut', points: [{ at: '2024-03-01T10:05:00.000Z', count: 1 }] }],
    });
    const hourly = await app.api('get', '/api/events/stats?since=2024-03-01T00:00:00Z&until=2024-03-02T00:00:00Z&bucket=hour');
    assert.deepEqual(hourly.body.series, [{ vendor: 'walnut', points: [{ at: '2024-03-01T09:00:00.000Z', count: 1 }, { at: '2024-03-01T10:00:00.000Z', count: 1 }] }]);
    // The default range is the last 3 hours: the event received now.
    const recent = await app.api('get', '/api/events/stats');
    assert.equal(recent.status, 200);
    assert.equal(recent.body.series[0].points.reduce((sum: number, point: { count: number }) => sum + point.count, 0), 1);
  });

  it('refuses a bad range with 400 VALIDATION_FAILED, never a 5xx', async () => {
    for (const query of ['since=2024-03-01T11:00:00Z&until=2024-03-01T10:00:00Z', 'since=2024-03-01T00:00:00Z&until=2024-03-03T00:00:00Z', 'bucket=second', 'since=yesterday', 'until=2024-02-30T00:00:00Z']) {
      const response = await app.api('get', `/api/events/stats?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.code, 'VALIDATION_FAILED', query);
    }
    for (const query of ['since=2020-01-01T00:00:00Z', 'since=yesterday']) {
      const response = await app.api('get', `/api/subscriptions/stats?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.code, 'VALIDATION_FAILED', query);
    }
    assert.equal((await app.http().get('/api/events/stats')).status, 401, 'needs the token');
    assert.equal((await app.http().get('/api/subscriptions/stats')).status, 401, 'needs the token');
  });

  it('counts events, quarantined events and refusals per subscription (GET /api/subscriptions/stats)', async () => {
    const busy = await createSubscription(app, { vendor: 'walnut', name: 'busy' });
    const quiet = await createSubscription(app, { vendor: 'walnut', name: 'quiet' });
    const old = await createSubscription(app, { vendor: 'walnut', name: 'old' });
    assert.equal((await walnutEvent(busy, good(10))).status, 200);
    assert.equal((await walnutEvent(busy, good(11))).status, 200);
    assert.equal((await walnutEvent(busy, { event: 'demo_session_finished', timestamp: 'never' })).body.quarantined, true);
    assert.equal((await walnutEvent({ id: busy.id, secret: 'not-its-secret' }, good(12))).status, 401);
    assert.equal((await walnutEvent(old, good(13))).status, 200);
    await app.query(`UPDATE webhook_events SET received_at = now() - interval '2 days' WHERE subscription_id = $1`, [old.id]);
    const counts = await waitFor('the refusal to be written', async () => {
      const response = await app.api('get', '/api/subscriptions/stats');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const row = response.body.data.find((item: { subscriptionId: string }) => item.subscriptionId === busy.id);
      return row?.rejections === 1 && response.body;
    });
    const of = (id: string) => counts.data.find((item: { subscriptionId: string }) => item.subscriptionId === id);
    assert.deepEqual(of(busy.id), { subscriptionId: busy.id, events: 3, quarantined: 1, rejections: 1 });
    assert.equal(of(quiet.id), undefined, 'a subscription with nothing is left out');
    assert.equal(of(old.id), undefined, 'older than 24 hours');
    const week = await app.api('get', `/api/subscriptions/stats?since=${new Date(Date.now() - 3 * 86_400_000).toISOString()}`);
    assert.deepEqual(week.body.data.find((item: { subscriptionId: string }) => item.subscriptionId === old.id), { subscriptionId: old.id, events: 1, quarantined: 0, rejections: 0 });
    // A deleted subscription leaves the counts.
    assert.equal((await app.api('delete', `/api/subscriptions/${busy.id}`)).status, 204);
    const afterDelete = await app.api('get', '/api/subscriptions/stats');
    assert.equal(afterDelete.body.data.find((item: { subscriptionId: string }) => item.subscriptionId === busy.id), undefined);
  });

  it('says how long a destination backlog has waited (oldestPendingAt)', async () => {
    const created = await app.api('post', '/api/destinations', { name: 'orders', url: 'http://127.0.0.1:9/hook', startFrom: 'beginning' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.oldestPendingAt, null);
    // Paused, so the backlog stays as queued by the replay (the worker would otherwise attempt them).
    assert.equal((await app.api('post', `/api/destinations/${created.body.id}/pause`)).status, 200);
    const replay = await app.api('post', `/api/destinations/${created.body.id}/replay`, {});
    assert.ok(replay.body.count > 0, JSON.stringify(replay.body));
    await app.query(`UPDATE deliveries SET created_at = '2024-05-01T08:00:00Z' WHERE id = (SELECT min(id) FROM deliveries WHERE destination_id = $1)`, [created.body.id]);
    const read = await app.api('get', `/api/destinations/${created.body.id}`);
    assert.equal(read.body.backlog, replay.body.count);
    assert.equal(read.body.oldestPendingAt, '2024-05-01T08:00:00.000Z');
    const listed = await app.api('get', '/api/destinations');
    assert.equal(listed.body.data.find((item: { id: string }) => item.id === created.body.id).oldestPendingAt, '2024-05-01T08:00:00.000Z');
  });

  it('serves /console with a strict CSP, no inline script or style, and its libraries from the gateway itself', async () => {
    const redirect = await app.http().get('/console');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/console/');
    const page = await app.http().get('/console/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /text\/html/);
    assert.match(page.headers['content-security-policy'], /^default-src 'self';/);
    assert.doesNotMatch(page.headers['content-security-policy'], /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler');
    assert.doesNotMatch(page.text, /https?:\/\//, 'nothing from another origin');
    for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) {
      const vendor = await app.http().get(`/console/vendor/${file}`);
      assert.equal(vendor.status, 200, file);
      assert.match(vendor.headers['content-type'], /text\/javascript/);
      assert.doesNotMatch(vendor.text, /from\s*["']preact["']/, 'no bare import a browser cannot resolve');
    }
    assert.equal((await app.http().get('/console/vendor/react.mjs')).status, 404);
    assert.equal((await app.http().get('/console/../package.json')).status, 404);
  });

  it('keeps the whole console under 200 KB gzipped', async () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? (name === 'screenshots' ? [] : files(path)) : [path];
    });
    let total = 0;
    for (const path of files(join(REPO_ROOT, 'console'))) total += gzipSync(readFileSync(path)).length;
    for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) total += gzipSync((await app.http().get(`/console/vendor/${file}`)).text).length;
    assert.ok(total <= 200 * 1024, `${total} bytes gzipped`);
    console.log(`console bundle: ${(total / 1024).toFixed(1)} KB gzipped`);
  });
});
