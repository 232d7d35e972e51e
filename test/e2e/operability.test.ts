import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/gateway-process';
import { metricValue } from '../support/metrics';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { insightArcSignature, walnutSignature } from '../support/signing';
import { createSubscription, listEvents, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('walnut-demo-session-finished.json');

describe('Operability', () => {
  let app: TestApp;
  /** An allowed callback host where nothing listens. */
  let closedPort: number;

  before(async () => {
    const port = await freePort();
    closedPort = await freePort();
    // The app's public URL is its own address, so test events travel the whole way round.
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${closedPort}`,
      REJECTIONS_KEPT: '3',
      BODY_LIMIT: '4kb',
    });
  });
  after(async () => app?.close());

  function deliver(subscription: { id: string }, body: Buffer | string, headers: Record<string, string>) {
    return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, { headers: { 'Content-Type': 'application/json', ...headers }, body });
  }
  const signed = (subscription: CreatedSubscription, body: Buffer | string = SAMPLE) => ({ 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) });
  const scrape = async () => (await app.http().get('/metrics')).text;
  const walnut = (outcome: string) => `webhook_requests_total{vendor="walnut",outcome="${outcome}"}`;

  it('counts every webhook outcome and times deliveries in /metrics', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const disabled = await createSubscription(app, { vendor: 'walnut' });
    await app.api('post', `/api/subscriptions/${disabled.id}/disable`, {});
    const before = await scrape();
    const quarantinedBody = '{"unexpected":"shape"}';
    const big = JSON.stringify({ padding: 'x'.repeat(5000) });
    await deliver(subscription, SAMPLE, signed(subscription));
    await deliver(subscription, SAMPLE, signed(subscription));
    await deliver(subscription, quarantinedBody, signed(subscription, quarantinedBody));
    await deliver(subscription, SAMPLE, { 'X-Walnut-Signature': 'nope' });
    await deliver({ id: '00000000-0000-4000-8000-000000000000' }, SAMPLE, signed(subscription));
    await deliver(disabled, SAMPLE, signed(disabled));
    await deliver(subscription, big, signed(subscription, big));
    await deliver(subscription, '{broken', signed(subscription, '{broken'));
    const after = await scrape();
    const delta = (series: string) => metricValue(after, series) - metricValue(before, series);
    assert.equal(delta(walnut('accepted')), 1);
    assert.equal(delta(walnut('duplicate')), 1);
    assert.equal(delta(walnut('quarantined')), 1);
    assert.equal(delta(walnut('unauthorized')), 1);
    assert.equal(delta(walnut('not_found')), 1);
    assert.equal(delta(walnut('disabled')), 1);
    assert.equal(delta(walnut('rejected')), 2, 'the 413 and the malformed body, refused by the parser, are counted too');
    assert.equal(delta('webhook_ingest_duration_seconds_count{vendor="walnut",outcome="accepted"}'), 1);
    assert.match(after, /^insideview_alerts\{state="pending"\} 0$/m);
    assert.match(after, /^insideview_oldest_pending_alert_age_seconds 0$/m);
    assert.match(after, /^process_cpu_seconds_total /m, 'process defaults');
    const unknownVendor = await sendRaw(app.baseUrl, 'POST', '/webhooks/not-a-vendor/x', { body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(unknownVendor.status, 404);
    assert.ok(!(await scrape()).includes('not-a-vendor'), 'an unknown path never becomes a label value');
  });

  it('takes X-Request-Id or makes one, and returns it', async () => {
    const given = await app.http().get('/health/live').set('X-Request-Id', 'trace-abc.123');
    assert.equal(given.headers['x-request-id'], 'trace-abc.123');
    const made = await app.http().get('/health/live');
    assert.match(made.headers['x-request-id'], /^[0-9a-f-]{36}$/);
    const unsafe = await app.http().get('/health/live').set('X-Request-Id', 'x'.repeat(300));
    assert.match(unsafe.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'an unreasonable id is replaced');
  });

  it('answers liveness and readiness', async () => {
    const live = await app.http().get('/health/live');
    assert.equal(live.status, 200);
    assert.equal(live.body.status, 'ok');
    const ready = await app.http().get('/health/ready');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.info.database.status, 'up');
  });

  it('keeps the last rejected deliveries of a subscription, newest first, without secrets', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut', requiredHeaders: { 'X-Api-Key': 'header-secret-value' } });
    const attempts: Array<Record<string, string>> = [
      { 'X-Walnut-Signature': 'a' },
      { 'X-Api-Key': 'wrong-value' },
      { 'X-Api-Key': 'header-secret-value', 'X-Walnut-Signature': walnutSignature('not-the-key', SAMPLE) },
      { 'X-Api-Key': 'header-secret-value' },
      {},
    ];
    for (const headers of attempts) {
      assert.equal((await deliver(subscription, SAMPLE, headers)).status, 401);
    }
    const response = await app.api('get', `/api/subscriptions/${subscription.id}/rejections`);
    assert.equal(response.status, 200);
    const rejections = response.body.data as Array<{ code: string; reason: string; status: number; requestId: string }>;
    assert.equal(rejections.length, 3, 'bounded by REJECTIONS_KEPT');
    assert.deepEqual(
      rejections.map((r) => r.code),
      ['REQUIRED_HEADER_MISSING', 'SIGNATURE_MISSING', 'SIGNATURE_INVALID'],
    );
    assert.match(rejections[0].reason, /X-Api-Key/, 'names the header that was missing');
    assert.ok(rejections.every((r) => r.status === 401 && r.requestId));
    const text = JSON.stringify(response.body);
    assert.ok(!text.includes('header-secret-value') && !text.includes(subscription.secret!), 'no secret in the record');
    assert.equal((await app.api('get', '/api/subscriptions/00000000-0000-4000-8000-000000000000/rejections')).status, 404);
  });

  it('sends a signed test event to the subscription’s own callback URL and reports it; the event is marked as a test', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const response = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(response.status, 200);
    assert.equal(response.body.ok, true, JSON.stringify(response.body));
    assert.equal(response.body.delivery.status, 200);
    assert.equal(response.body.delivery.url, subscription.callbackUrl);
    assert.equal(typeof response.body.delivery.durationMs, 'number');
    assert.equal(response.body.delivery.response.received, true);
    const [event] = await listEvents(app, { subscriptionId: subscription.id });
    assert.equal(event.isTest, true);
    assert.equal(event.eventType, 'demo_session_finished');
    const again = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(again.body.delivery.response.duplicate, false, 'each test event is a new event');
    // An ordinary delivery beside them is not a test, and the filter tells the two apart.
    const real = await deliver(subscription, SAMPLE, signed(subscription));
    assert.equal(real.status, 200);
    const ids = (events: Array<Record<string, unknown>>) => events.map((e) => String(e.id)).sort();
    const all = await listEvents(app, { subscriptionId: subscription.id });
    assert.equal(all.length, 3);
    assert.equal(all.find((e) => e.id === real.body.eventId)!.isTest, false);
    assert.deepEqual(ids(await listEvents(app, { subscriptionId: subscription.id, isTest: 'false' })), [real.body.eventId], 'consumers can leave tests out');
    assert.deepEqual(
      ids(await listEvents(app, { subscriptionId: subscription.id, isTest: 'true' })),
      [event.id, again.body.delivery.response.eventId].sort(),
    );
  });

  it('runs the HEAD check first for a vendor that does one (InsightArc)', async () => {
    const subscription = await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-value' });
    const response = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(response.body.ok, true, JSON.stringify(response.body));
    assert.equal(response.body.headCheck.method, 'HEAD');
    assert.equal(response.body.headCheck.status, 200);
    const [event] = await listEvents(app, { subscriptionId: subscription.id });
    assert.equal(event.isTest, true);
    // The stored body verifies the way InsightArc signs (over body + registered URL): resent with
    // that signature it is the same event; signed over another URL it is refused.
    const raw = await app.api('get', `/api/events/${event.id}`);
    const body = Buffer.from(raw.body.rawBody, 'base64');
    const resend = (url: string) =>
      sendRaw(app.baseUrl, 'POST', `/webhooks/insightarc/${subscription.id}`, {
        headers: { 'Content-Type': 'application/json', 'X-InsightArc-Signature': insightArcSignature('insightarc-secret-value', body, url) },
        body,
      });
    const same = await resend(subscription.callbackUrl);
    assert.equal(same.status, 200);
    assert.equal(same.body.duplicate, true);
    assert.equal(same.body.eventId, event.id);
    assert.equal((await resend(`${subscription.callbackUrl}/elsewhere`)).status, 401);
  });

  it('reports why a test event fails against a misconfigured setup', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const patched = await app.api('patch', `/api/subscriptions/${subscription.id}`, { callbackUrl: `http://127.0.0.1:${closedPort}/webhooks/walnut/${subscription.id}` });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const refused = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(refused.status, 200);
    assert.equal(refused.body.ok, false);
    assert.equal(refused.body.delivery.status, null);
    assert.match(refused.body.delivery.error, /ECONNREFUSED/);

    const other = await createSubscription(app, { vendor: 'walnut' });
    await app.api('patch', `/api/subscriptions/${subscription.id}`, { callbackUrl: other.callbackUrl });
    const wrongRoute = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(wrongRoute.body.ok, false);
    assert.equal(wrongRoute.body.delivery.status, 401, 'the URL of another subscription refuses this one’s signature');
    assert.equal(wrongRoute.body.delivery.response.code, 'SIGNATURE_INVALID');

    const noSecret = await createSubscription(app, { vendor: 'insightarc' });
    assert.equal((await app.api('post', `/api/subscriptions/${noSecret.id}/test-event`)).status, 409);
  });
});

describe('Metrics behind METRICS_TOKEN', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ METRICS_TOKEN: 'metrics-token-0123456789' });
  });
  after(async () => app?.close());

  it('refuses a scrape without the token, and takes one with it', async () => {
    assert.equal((await app.http().get('/metrics')).status, 401);
    assert.equal((await app.http().get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status, 401);
    const ok = await app.http().get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789');
    assert.equal(ok.status, 200);
    assert.match(ok.headers['content-type'], /text\/plain/);
  });
});
