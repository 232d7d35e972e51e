import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { InsideViewAlertQueue } from '../../src/vendors/insideview/insideview-alert-queue';
import type { Subscription } from '../../src/subscriptions/subscription.entity';
import { FakeInsideView } from '../fakes/fake-insideview';
import { freePort } from '../support/gateway-process';
import { metricValue } from '../support/metrics';
import { feedOf, listEvents } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { EMBEDDED } from '../support/test-database';
import { waitFor } from '../support/wait';

/** The app pointed at the fake, with short intervals so background work shows within a test. */
async function startInsideViewApp(fake: FakeInsideView, extra: Record<string, string> = {}, database?: TestApp['database']): Promise<TestApp> {
  const port = await freePort();
  return startTestApp(
    {
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      INSIDEVIEW_API_URL: fake.apiUrl,
      INSIDEVIEW_TOKEN_URL: fake.tokenUrl,
      INSIDEVIEW_CLIENT_ID: fake.clientId,
      INSIDEVIEW_CLIENT_SECRET: fake.clientSecret,
      INSIDEVIEW_STATUS_SYNC_MS: '200',
      INSIDEVIEW_TIMEOUT_MS: '1000',
      INSIDEVIEW_MAX_RETRIES: '2',
      INSIDEVIEW_THROTTLE_SECONDS: '1',
      ALERT_FETCH_POLL_MS: '100',
      ALERT_FETCH_MAX_ATTEMPTS: '3',
      ...extra,
    },
    { database },
  );
}

interface Alert {
  id: string;
  alertId: string;
  state: string;
  attempts: number;
  lastError: string | null;
  details?: { companyIds?: string[]; peopleIds?: string[]; totalResults: number; pages: number };
}

describe('InsideView', () => {
  let fake: FakeInsideView;
  let app: TestApp;

  before(async () => {
    fake = await FakeInsideView.start();
    app = await startInsideViewApp(fake);
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });

  async function createSubscription(settings: Record<string, unknown> = { subscriptionType: 'company', companyIds: ['1001', '1002'], frequency: 'DAILY' }) {
    const response = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'Accounts watch', insideview: settings });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body as { id: string; vendorRef: string; secret: string; callbackUrl: string; status: string };
  }

  async function alertsOf(subscriptionId: string): Promise<Alert[]> {
    const response = await app.api('get', `/api/insideview/alerts?subscriptionId=${subscriptionId}`);
    assert.equal(response.status, 200);
    return response.body.data;
  }

  async function fetchedAlert(subscriptionId: string, alertId: string): Promise<Alert> {
    const listed = await waitFor(`alert ${alertId} fetched`, async () => {
      const alert = (await alertsOf(subscriptionId)).find((a) => a.alertId === alertId);
      return alert?.state === 'fetched' ? alert : undefined;
    });
    return (await app.api('get', `/api/insideview/alerts/${listed.id}`)).body;
  }

  async function countRows(table: string, subscriptionId: string): Promise<number> {
    const [row] = await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE subscription_id = $1`, [subscriptionId]);
    return row.n;
  }


  it('creates the subscription at InsideView with our callback URL and signing secret', async () => {
    const created = await createSubscription();
    assert.equal(created.status, 'VERIFICATION_PENDING');
    assert.ok(created.vendorRef, 'InsideView’s id is stored');
    assert.match(created.secret, /^[0-9a-f]{64}$/);
    const view = (created as unknown as { syncable: boolean; setupSteps: string[] });
    assert.equal(view.syncable, true, 'InsideView keeps the status: sync reads it');
    assert.ok(view.setupSteps[0].includes(`\`${created.vendorRef}\``), view.setupSteps[0]);
    const remote = fake.subscriptions.get(created.vendorRef)!;
    assert.equal(remote.webhook.url, created.callbackUrl);
    assert.equal(remote.signingSecret, created.secret, 'every subscription is created with a signing secret');
    assert.deepEqual(remote.companyIds, ['1001', '1002']);
    assert.equal(remote.subscriptionType, 'company');
  });

  it('echoes the validation code in a header of exactly InsideView’s casing, and mirrors ACTIVE', async () => {
    const created = await createSubscription();
    const rawHeaders = await new Promise<string[]>((resolve, reject) => {
      const request = httpRequest(`${app.baseUrl}/webhooks/insideview/${created.id}`, {
        method: 'HEAD',
        headers: { 'X-InsideViewAPI-ValidationCode': 'code-123' },
      });
      request.on('response', (response) => {
        assert.equal(response.statusCode, 200);
        resolve(response.rawHeaders);
        response.resume();
      });
      request.on('error', reject);
      request.end();
    });
    const index = rawHeaders.indexOf('X-InsideViewAPI-ValidationCode');
    assert.ok(index >= 0, `header name with exact casing in ${rawHeaders.join(' | ')}`);
    assert.equal(rawHeaders[index + 1], 'code-123');

    assert.equal(await fake.validateWebhook(created.vendorRef), 'ACTIVE', 'InsideView’s own check passes');
    const active = await waitFor('status sync to ACTIVE', async () => {
      const response = await app.api('get', `/api/subscriptions/${created.id}`);
      return response.body.status === 'ACTIVE' ? response.body : undefined;
    });
    assert.equal(active.disableReasonErrorCode, null);
    assert.ok(active.verifiedAt);
  });

  it('mirrors DISABLED with each of InsideView’s reason codes, verbatim', async () => {
    const created = await createSubscription();
    for (const code of ['400-2100', '400-2101', '400-2102', '400-2103', '400-2104']) {
      const message = `InsideView says ${code}`;
      fake.setWebhookStatus(created.vendorRef, 'DISABLED', { code, message });
      const synced = await app.api('post', `/api/subscriptions/${created.id}/sync`);
      assert.equal(synced.status, 200);
      assert.equal(synced.body.status, 'DISABLED');
      assert.equal(synced.body.disableReasonErrorCode, code);
      assert.equal(synced.body.disableReasonMessage, message);
    }
    fake.setWebhookStatus(created.vendorRef, 'ACTIVE');
    const back = await app.api('post', `/api/subscriptions/${created.id}/sync`);
    assert.equal(back.body.status, 'ACTIVE');
    assert.equal(back.body.disableReasonErrorCode, null);
  });

  it('reports a failed handshake: a subscription without the echo is DISABLED 400-2101 by the status sync', async () => {
    const created = await createSubscription();
    // Point InsideView at a URL that answers 200 without echoing, as a misconfigured proxy would.
    fake.subscriptions.get(created.vendorRef)!.webhook.url = `${app.baseUrl}/health`;
    assert.equal(await fake.validateWebhook(created.vendorRef), 'DISABLED');
    const disabled = await waitFor('status sync to DISABLED', async () => {
      const response = await app.api('get', `/api/subscriptions/${created.id}`);
      return response.body.status === 'DISABLED' ? response.body : undefined;
    });
    assert.equal(disabled.disableReasonErrorCode, '400-2101');
  });

  it('stores a signed alert once, as an event and as an alert whose details (every page) are fetched', async () => {
    const scrape = async () => (await app.http().get('/metrics')).text;
    const metricsBefore = await scrape();
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, '364559', { pages: [['c1', 'c2'], ['c3', 'c4'], ['c5']] });
    const sent = await fake.sendAlert(created.vendorRef, { alertId: '364559', date: '2020-02-26 11:52:29:00+0000', type: 'company' });
    assert.equal(sent.status, 200, sent.body);
    const receipt = JSON.parse(sent.body);
    assert.equal(receipt.quarantined, false);

    const alert = await fetchedAlert(created.id, '364559');
    assert.deepEqual(alert.details!.companyIds, ['c1', 'c2', 'c3', 'c4', 'c5']);
    assert.equal(alert.details!.totalResults, 5);
    assert.equal(alert.details!.pages, 3);
    assert.equal(fake.alertDetailRequests(created.vendorRef, '364559'), 3, 'each page fetched once');
    // The same work in /metrics: the calls made, and the queue at scrape time.
    const metricsAfter = await scrape();
    const delta = (series: string) => metricValue(metricsAfter, series) - metricValue(metricsBefore, series);
    assert.equal(delta('insideview_api_calls_total{operation="create_subscription",status="200"}'), 1);
    assert.equal(delta('insideview_api_calls_total{operation="get_alert",status="200"}'), 3);
    assert.equal(delta('insideview_alerts{state="fetched"}'), 1);

    const [event] = await listEvents(app, { subscriptionId: created.id });
    assert.equal(event.id, receipt.eventId);
    assert.equal(event.eventType, 'alert');
    assert.equal(event.occurredAt, '2020-02-26T11:52:29.000Z');

    const repeat = await fake.sendAlert(created.vendorRef, { alertId: '364559', date: '2020-02-26 11:52:29:00+0000', type: 'company' });
    assert.equal(JSON.parse(repeat.body).duplicate, true);
    assert.equal(await countRows('insideview_alerts', created.id), 1);
    // The notification, and the alert.details event its fetched details made (see below); no third.
    assert.equal(await countRows('webhook_events', created.id), 2);
  });

  it('records an alert’s fetched details as an alert.details event in the feed, once per alert', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'enriched', { pages: [['c1', 'c2'], ['c3']] });
    const sent = await fake.sendAlert(created.vendorRef, { alertId: 'enriched', date: '2020-02-26 11:52:29:00+0000', type: 'company' });
    assert.equal(sent.status, 200, sent.body);
    const alert = await fetchedAlert(created.id, 'enriched');

    const events = await feedOf(app, created.id, 2);
    assert.deepEqual(events.map((event) => event.eventType), ['alert', 'alert.details'], 'the notification first, then its details');
    const derived = events[1];
    const expected = { alertId: 'enriched', alertType: 'company', subscriptionType: 'company', totalResults: 3, pages: 2, companyIds: ['c1', 'c2', 'c3'] };
    assert.deepEqual(derived.payload, expected);
    assert.deepEqual(derived.payload, { alertId: 'enriched', alertType: 'company', ...alert.details }, 'the details the alert holds');
    assert.equal(derived.vendor, 'insideview');
    assert.equal(derived.subscriptionId, created.id);
    assert.equal(derived.status, 'accepted');
    assert.equal(derived.validationErrors, null);
    assert.equal(derived.isTest, false);
    assert.equal(derived.occurredAt, '2020-02-26T11:52:29.000Z', "the alert's date");
    assert.equal(derived.dedupeKey, 'alert-details:enriched');
    const single = await app.api('get', `/api/events/${derived.id}`);
    assert.deepEqual(JSON.parse(Buffer.from(single.body.rawBody, 'base64').toString('utf8')), expected, 'the raw body is the JSON of the payload');
    // A derived event does not stand in for InsideView's own verdict on the subscription.
    assert.equal((await app.api('get', `/api/subscriptions/${created.id}`)).body.status, 'VERIFICATION_PENDING');

    // Fetched again (an operator's retry): the event is deduped on the alert, not stored twice.
    assert.equal((await app.api('post', `/api/insideview/alerts/${alert.id}/retry`)).status, 200);
    await waitFor('the alert fetched again', async () => {
      const again = (await app.api('get', `/api/insideview/alerts/${alert.id}`)).body;
      return fake.alertDetailRequests(created.vendorRef, 'enriched') === 4 && again.state === 'fetched';
    });
    assert.equal(await countRows('webhook_events', created.id), 2);
    assert.equal((await listEvents(app, { subscriptionId: created.id, eventType: 'alert.details' })).length, 1);
  });

  it('accepts alertId as an integer and the documented ISO date format, signed in base64 too', async () => {
    const created = await createSubscription({ subscriptionType: 'people', peopleIds: ['p1'] });
    fake.setAlert(created.vendorRef, '777', { pages: [['p1']], kind: 'peopleIds' });
    const sent = await fake.sendAlert(created.vendorRef, { alertId: 777, date: '2020-02-26T11:52:29+0000', type: 'people', signature: 'base64' });
    assert.equal(sent.status, 200, sent.body);
    assert.equal(JSON.parse(sent.body).quarantined, false);
    const alert = await fetchedAlert(created.id, '777');
    assert.deepEqual(alert.details!.peopleIds, ['p1']);
    const [event] = await listEvents(app, { subscriptionId: created.id });
    assert.equal(event.occurredAt, '2020-02-26T11:52:29.000Z');
  });

  it('refuses a wrong or missing signature with 401 and stores nothing', async () => {
    const created = await createSubscription();
    for (const signature of ['wrong', 'none'] as const) {
      const sent = await fake.sendAlert(created.vendorRef, { alertId: '1', signature });
      assert.equal(sent.status, 401, signature);
    }
    assert.equal(await countRows('webhook_events', created.id), 0);
    assert.equal(await countRows('insideview_alerts', created.id), 0);
  });

  it('quarantines an authentic notification with an unreadable date, queueing no fetch', async () => {
    const created = await createSubscription();
    const sent = await fake.sendAlert(created.vendorRef, { alertId: '5', date: 'yesterday' });
    assert.equal(sent.status, 200);
    assert.equal(JSON.parse(sent.body).quarantined, true);
    assert.equal(await countRows('insideview_alerts', created.id), 0);
  });

  it('quarantines an alert dated on a day that does not exist, never storing it as another day', async () => {
    const created = await createSubscription();
    for (const [alertId, date] of [['feb-30', '2020-02-30 11:52:29:00+0000'], ['hour-24', '2020-02-26T24:00:00+0000'], ['feb-29', '2021-02-29T11:52:29+0000']]) {
      const sent = await fake.sendAlert(created.vendorRef, { alertId, date });
      assert.equal(sent.status, 200, sent.body);
      assert.equal(JSON.parse(sent.body).quarantined, true, date);
    }
    const events = await listEvents(app, { subscriptionId: created.id });
    assert.equal(events.length, 3);
    for (const event of events) {
      assert.equal(event.occurredAt, null, 'no rolled-over instant is stored');
      assert.match(String(event.validationErrors), /date must be a date/);
    }
    assert.equal(await countRows('insideview_alerts', created.id), 0, 'nothing queued for fetching');
  });

  it('quarantines an alert naming another InsideView subscription, without hiding this one’s alert of that id', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, '424242', { pages: [['m1']] });
    const misaddressed = JSON.stringify({ alertId: '424242', subscriptionId: 'another-subscription', date: '2020-02-26 11:52:29:00+0000', type: 'company' });
    const sent = await fake.sendAlert(created.vendorRef, { alertId: '424242', body: misaddressed });
    assert.equal(sent.status, 200, sent.body);
    assert.equal(JSON.parse(sent.body).quarantined, true);
    const [event] = await listEvents(app, { subscriptionId: created.id });
    assert.match(String(event.validationErrors), /another-subscription.*is not this subscription's InsideView id/);
    assert.equal(await countRows('insideview_alerts', created.id), 0, 'nothing queued for fetching');

    const rightful = await fake.sendAlert(created.vendorRef, { alertId: '424242' });
    const receipt = JSON.parse(rightful.body);
    assert.deepEqual([receipt.quarantined, receipt.duplicate], [false, false], 'the real alert is stored and queued');
    const alert = await fetchedAlert(created.id, '424242');
    assert.deepEqual(alert.details!.companyIds, ['m1']);
  });

  it('refuses to change the callback URL, which InsideView holds, and says what to do instead', async () => {
    const created = await createSubscription();
    const moved = `${created.callbackUrl}-moved`;
    const response = await app.api('patch', `/api/subscriptions/${created.id}`, { callbackUrl: moved, name: 'renamed' });
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'VALIDATION_FAILED');
    assert.match(response.body.message, /InsideView calls the callback URL the subscription was created with/);
    assert.match(response.body.message, /delete the subscription and create a new one/);
    const read = await app.api('get', `/api/subscriptions/${created.id}`);
    assert.equal(read.body.callbackUrl, created.callbackUrl);
    assert.equal(read.body.name, 'Accounts watch', 'a refused PATCH changes nothing');
    assert.equal(fake.subscriptions.get(created.vendorRef)!.webhook.url, created.callbackUrl);
    // The same URL again is no change: a client that sends the whole object back can still rename.
    const renamed = await app.api('patch', `/api/subscriptions/${created.id}`, { callbackUrl: created.callbackUrl, name: 'renamed' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'renamed');
  });

  it('answers 502 with InsideView’s message when it refuses the subscription, and stores nothing', async () => {
    const before = (await app.api('get', '/api/subscriptions?vendor=insideview&limit=500')).body.total;
    fake.fail({ method: 'POST', path: '/api/v1/subscription', status: 400, body: { message: 'companyIds are invalid', errorCode: '400-1106' } });
    const refused = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'x', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
    assert.equal(refused.status, 502);
    assert.equal(refused.body.code, 'INSIDEVIEW_REFUSED');
    assert.match(refused.body.message, /companyIds are invalid/);
    assert.match(refused.body.message, /400-1106/);

    fake.fail({ method: 'POST', path: '/api/v1/subscription', status: 500, times: Infinity });
    try {
      const unreachable = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'x', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
      assert.equal(unreachable.status, 502);
    } finally {
      fake.clearFailures();
    }
    assert.equal((await app.api('get', '/api/subscriptions?vendor=insideview&limit=500')).body.total, before);
  });

  it('refuses bad InsideView settings with 400 before calling InsideView', async () => {
    const creates = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/subscription').length;
    const calls = creates();
    for (const insideview of [undefined, { subscriptionType: 'weather' }, { subscriptionType: 'company' }, { subscriptionType: 'people', companyIds: ['1'] }]) {
      const response = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'bad', ...(insideview && { insideview }) });
      assert.equal(response.status, 400, JSON.stringify(insideview));
    }
    assert.equal(creates(), calls);
  });

  it('deletes the subscription at InsideView too', async () => {
    const created = await createSubscription();
    assert.equal((await app.api('delete', `/api/subscriptions/${created.id}`)).status, 204);
    assert.equal(fake.subscriptions.has(created.vendorRef), false);
  });

  it('stops fetching the alerts of a deleted subscription, and keeps them and their events readable', async () => {
    const created = await createSubscription();
    // InsideView keeps failing, so the alert is still queued (pending, or being fetched) at the delete.
    fake.fail({ path: /\/alert\/orphaned$/, status: 500, times: 1_000 });
    const sent = await fake.sendAlert(created.vendorRef, { alertId: 'orphaned' });
    assert.equal(sent.status, 200);
    const [queued] = await alertsOf(created.id);
    assert.ok(['pending', 'fetching'].includes(queued.state), queued.state);

    assert.equal((await app.api('delete', `/api/subscriptions/${created.id}`)).status, 204);
    const [failed] = await alertsOf(created.id);
    assert.equal(failed.state, 'failed', 'no longer queued');
    assert.match(failed.lastError!, /subscription was deleted/);
    const retried = await app.api('post', `/api/insideview/alerts/${failed.id}/retry`);
    assert.equal(retried.status, 409);
    assert.equal(retried.body.code, 'ALERT_NOT_RETRYABLE');
    // An attempt in flight at the delete may end, but nothing claims the alert again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const later = await app.api('get', `/api/insideview/alerts/${failed.id}`);
    assert.equal(later.body.state, 'failed');
    assert.equal(later.body.attempts, failed.attempts);
    const events = await feedOf(app, created.id, 1);
    assert.equal(events.length, 1, 'the notification is still found by its subscription id');
    assert.equal(events[0].subscriptionId, created.id);
  });

  it('queues the rest of a tick’s alerts when one alert’s subscription is gone (foreign key), failing that one alone', async () => {
    const created = await createSubscription();
    const queue = app.app.get(InsideViewAlertQueue);
    const subscription = (id: string) => ({ id, vendorRef: created.vendorRef }) as Subscription;
    // Enqueued in one tick, so one statement by construction; the middle alert names no subscription.
    const results = await Promise.allSettled([
      queue.enqueue(subscription(created.id), '1', { alertId: 'fk-beside-1' }),
      queue.enqueue(subscription('00000000-0000-4000-8000-000000000000'), '2', { alertId: 'fk-gone' }),
      queue.enqueue(subscription(created.id), '3', { alertId: 'fk-beside-2' }),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(results.filter((result) => result.status === 'fulfilled').map((result) => result.value), [true, true]);
    assert.equal(await countRows('insideview_alerts', created.id), 2);
  });

  it('retries InsideView 500s and timeouts, fetching each page of the alert exactly once successfully', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'flaky', { pages: [['a'], ['b']] });
    fake.fail({ path: /\/alert\/flaky$/, status: 500, times: 2 });
    fake.fail({ path: /\/alert\/flaky$/, delayMs: 1500, times: 1 });
    await fake.sendAlert(created.vendorRef, { alertId: 'flaky' });
    const alert = await fetchedAlert(created.id, 'flaky');
    assert.deepEqual(alert.details!.companyIds, ['a', 'b']);
    // Page 1: two 500s, one timeout, one answer; page 2: one answer. Nothing more, nothing twice.
    assert.equal(fake.alertDetailRequests(created.vendorRef, 'flaky'), 5);
    assert.equal(alert.attempts, 2, 'two 500s and a timeout exhaust the client’s 2 retries: the job tries once more');
  });

  it('retries an alert whose pages come back short, never storing partial details', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'gap', { pages: [['g1', 'g2'], ['g3']] });
    // Page 1 claims five results over three pages; pages 2 and 3 hold only one: a page is missing.
    fake.fail({ path: /\/alert\/gap$/, status: 200, body: { companyIds: ['g1', 'g2'], subscriptionType: 'company', page: 1, resultsPerPage: 2, totalResults: 5 } });
    await fake.sendAlert(created.vendorRef, { alertId: 'gap' });
    const alert = await fetchedAlert(created.id, 'gap');
    assert.deepEqual(alert.details!.companyIds, ['g1', 'g2', 'g3'], 'the complete details of the retry, not the partial ones');
    assert.equal(alert.attempts, 2);
  });

  it('pauses every call after a 429 and fetches once the window has passed', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'throttled', { pages: [['t1']] });
    fake.fail({ path: /\/alert\/throttled$/, status: 429, retryAfter: 1 });
    const started = Date.now();
    await fake.sendAlert(created.vendorRef, { alertId: 'throttled' });
    const alert = await fetchedAlert(created.id, 'throttled');
    assert.ok(Date.now() - started >= 900, 'nothing was called before the window passed');
    assert.equal(alert.attempts, 1, 'a throttled attempt is not counted against the alert');
    assert.equal(fake.alertDetailRequests(created.vendorRef, 'throttled'), 2, 'the throttled call and the one that succeeded');
  });

  it('marks an alert failed with its last error after the last attempt, and re-queues it on retry', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'broken', { pages: [['x']] });
    fake.fail({ path: /\/alert\/broken$/, malformed: true, times: 3 });
    await fake.sendAlert(created.vendorRef, { alertId: 'broken' });
    const failed = await waitFor(
      'alert failed',
      async () => (await alertsOf(created.id)).find((a) => a.alertId === 'broken' && a.state === 'failed'),
      30_000,
    );
    assert.equal(failed.attempts, 3);
    assert.match(failed.lastError!, /not JSON/);

    const retried = await app.api('post', `/api/insideview/alerts/${failed.id}/retry`);
    assert.equal(retried.status, 200);
    const alert = await fetchedAlert(created.id, 'broken');
    assert.deepEqual(alert.details!.companyIds, ['x']);
    assert.equal((await app.api('post', '/api/insideview/alerts/00000000-0000-4000-8000-000000000000/retry')).status, 404);
  });

  it('fails an alert InsideView does not know (400-1510) and says why', async () => {
    const created = await createSubscription();
    await fake.sendAlert(created.vendorRef, { alertId: 'unknown-alert' });
    const failed = await waitFor(
      'alert failed',
      async () => (await alertsOf(created.id)).find((a) => a.alertId === 'unknown-alert' && a.state === 'failed'),
      30_000,
    );
    assert.match(failed.lastError!, /400-1510/);
    assert.equal(failed.attempts, 1, 'InsideView refusing the alert is final: no retries');
  });

  it('takes over an alert whose lease expired (its instance died mid-fetch)', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'orphan', { pages: [['o1']] });
    await app.query(
        `INSERT INTO insideview_alerts (subscription_id, alert_id, vendor_subscription_id, state, attempts, lease_owner, lease_expires_at)
         VALUES ($1, 'orphan', $2, 'fetching', 1, 'dead-instance', now() - interval '1 second')`,
        [created.id, created.vendorRef],
    );
    const alert = await fetchedAlert(created.id, 'orphan');
    assert.deepEqual(alert.details!.companyIds, ['o1']);
  });

  it('fails an alert whose instance died on its last attempt instead of claiming it forever', async () => {
    const created = await createSubscription();
    await app.query(
        `INSERT INTO insideview_alerts (subscription_id, alert_id, vendor_subscription_id, state, attempts, lease_owner, lease_expires_at)
         VALUES ($1, 'crashes-its-instance', $2, 'fetching', 3, 'dead-instance', now() - interval '1 second')`,
        [created.id, created.vendorRef],
    );
    const failed = await waitFor('alert failed', async () => (await alertsOf(created.id)).find((a) => a.state === 'failed'));
    assert.match(failed.lastError!, /stopped before finishing/);
    assert.equal(fake.alertDetailRequests(created.vendorRef, 'crashes-its-instance'), 0);
  });

  it('refuses to rotate the signing secret, which InsideView holds', async () => {
    const created = await createSubscription();
    const response = await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, {});
    assert.equal(response.status, 400);
    assert.match(response.body.message, /delete the subscription and create a new one/);
  });

  it('never retries the creation: a timed-out create leaves at most one subscription at InsideView and none here', async () => {
    const before = fake.subscriptions.size;
    const stored = (await app.api('get', '/api/subscriptions?vendor=insideview&limit=500')).body.total;
    fake.fail({ method: 'POST', path: '/api/v1/subscription', delayMs: 1500 });
    const response = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'slow', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
    assert.equal(response.status, 502);
    assert.equal(response.body.code, 'INSIDEVIEW_UNAVAILABLE');
    await waitFor('the slow create to land at the fake', async () => fake.subscriptions.size > before);
    assert.equal(fake.subscriptions.size, before + 1, 'one request, not one per retry');
    assert.equal((await app.api('get', '/api/subscriptions?vendor=insideview&limit=500')).body.total, stored);
  });

  it('does not let an alert activate a subscription whose status InsideView owns', async () => {
    const created = await createSubscription();
    fake.setAlert(created.vendorRef, 'early', { pages: [['e']] });
    assert.equal((await fake.sendAlert(created.vendorRef, { alertId: 'early' })).status, 200);
    assert.equal((await app.api('get', `/api/subscriptions/${created.id}`)).body.status, 'VERIFICATION_PENDING');
  });

  it('keeps answering a subscription InsideView disabled, and mirrors its recovery', async () => {
    const created = await createSubscription();
    fake.setWebhookStatus(created.vendorRef, 'DISABLED', { code: '400-2100', message: 'Webhook unreachable' });
    const disabled = await app.api('post', `/api/subscriptions/${created.id}/sync`);
    assert.equal(disabled.body.status, 'DISABLED');
    const head = await app.http().head(`/webhooks/insideview/${created.id}`).set('X-InsideViewAPI-ValidationCode', 'again');
    assert.equal(head.status, 200, 'InsideView can check it again');
    assert.equal(head.headers['x-insideviewapi-validationcode'], 'again');
    assert.equal(await fake.validateWebhook(created.vendorRef), 'ACTIVE');
    await waitFor('the status sync to mirror the recovery', async () => (await app.api('get', `/api/subscriptions/${created.id}`)).body.status === 'ACTIVE');
  });

  it('lets an operator’s disable win over a sync that was in flight', async () => {
    const created = await createSubscription();
    fake.setWebhookStatus(created.vendorRef, 'ACTIVE');
    fake.fail({ method: 'GET', path: `/api/v1/subscription/${created.vendorRef}`, delayMs: 800, times: 1 });
    const sync = app.api('post', `/api/subscriptions/${created.id}/sync`).then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const disabled = await app.api('post', `/api/subscriptions/${created.id}/disable`, { message: 'paused by ops' });
    assert.equal(disabled.body.status, 'DISABLED');
    await sync;
    const after = await app.api('get', `/api/subscriptions/${created.id}`);
    assert.equal(after.body.status, 'DISABLED');
    assert.equal(after.body.disableReasonMessage, 'paused by ops');
    const refused = await fake.sendAlert(created.vendorRef, { alertId: 'while-disabled' });
    assert.equal(refused.status, 410, 'an operator’s disable answers 410');
  });

  it('lists alerts by state and refuses bad filters', async () => {
    // The tests above left fetched alerts and failed ones.
    const listed = async (state: string) => {
      const response = await app.api('get', `/api/insideview/alerts?state=${state}&limit=500`);
      assert.equal(response.status, 200);
      return response.body.data as Array<{ id: string; state: string }>;
    };
    const fetched = await listed('fetched');
    const failed = await listed('failed');
    assert.ok(fetched.length > 0 && failed.length > 0);
    assert.ok(fetched.every((alert) => alert.state === 'fetched'));
    assert.ok(failed.every((alert) => alert.state === 'failed'));
    assert.equal((await app.api('get', '/api/insideview/alerts?state=lost')).status, 400);
    assert.equal((await app.api('get', '/api/insideview/alerts/not-an-id')).status, 404);
  });
});

describe('InsideView answers over INSIDEVIEW_RESPONSE_LIMIT', () => {
  it('are cut off, never read whole, and the alert says why', async () => {
    const fake = await FakeInsideView.start();
    const app = await startInsideViewApp(fake, { INSIDEVIEW_RESPONSE_LIMIT: '16kb', ALERT_FETCH_MAX_ATTEMPTS: '1' });
    try {
      const created = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'huge', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
      const vendorRef = created.body.vendorRef as string;
      const companyIds = Array.from({ length: 5000 }, (_, i) => `company-${i}`);
      fake.fail({ path: /\/alert\/huge$/, status: 200, body: { companyIds, subscriptionType: 'company', page: 1, resultsPerPage: 5000, totalResults: 5000 } });
      await fake.sendAlert(vendorRef, { alertId: 'huge' });
      const failed = await waitFor('alert failed', async () => {
        const alerts = (await app.api('get', `/api/insideview/alerts?subscriptionId=${created.body.id}`)).body.data as Alert[];
        return alerts.find((alert) => alert.state === 'failed');
      });
      assert.match(failed.lastError!, /longer than INSIDEVIEW_RESPONSE_LIMIT \(16384 bytes\)/);
    } finally {
      await app.close();
      await fake.close();
    }
  });
});

describe('InsideView checking the webhook the moment it is created', () => {
  it('finds the subscription already stored, so the handshake passes', async () => {
    const fake = await FakeInsideView.start({ validationDelayMs: 0 });
    const app = await startInsideViewApp(fake);
    try {
      const created = await app.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'eager', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
      assert.equal(created.status, 201);
      await waitFor('status ACTIVE', async () => (await app.api('get', `/api/subscriptions/${created.body.id}`)).body.status === 'ACTIVE');
    } finally {
      await app.close();
      await fake.close();
    }
  });
});

describe('InsideView throttling across instances', { skip: EMBEDDED && 'two instances on one database: PostgreSQL only' }, () => {
  it('pauses every instance’s calls after one instance sees a 429', async () => {
    const fake = await FakeInsideView.start();
    const first = await startInsideViewApp(fake, { INSIDEVIEW_THROTTLE_SECONDS: '3' });
    const second = await startInsideViewApp(fake, { INSIDEVIEW_THROTTLE_SECONDS: '3' }, first.database);
    try {
      const created = await first.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'shared', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
      const vendorRef = created.body.vendorRef as string;
      fake.setAlert(vendorRef, 'one', { pages: [['1']] });
      fake.setAlert(vendorRef, 'two', { pages: [['2']] });
      fake.fail({ path: /\/alert\/one$/, status: 429 }); // no Retry-After: INSIDEVIEW_THROTTLE_SECONDS
      const remote = fake.subscriptions.get(vendorRef)!;
      remote.webhook.url = `${first.baseUrl}/webhooks/insideview/${created.body.id}`;
      await fake.sendAlert(vendorRef, { alertId: 'one' });
      // Once the first instance has recorded the throttle (the alert waits with that reason).
      await waitFor('the 429 recorded', async () => {
        const alerts = (await first.api('get', `/api/insideview/alerts?subscriptionId=${created.body.id}`)).body.data;
        return alerts.some((a: { alertId: string; lastError: string | null }) => a.alertId === 'one' && /throttl/.test(a.lastError ?? ''));
      });
      const throttledAt = fake.requests.find((r) => r.path.endsWith('/alert/one'))!.at;
      remote.webhook.url = `${second.baseUrl}/webhooks/insideview/${created.body.id}`;
      await fake.sendAlert(vendorRef, { alertId: 'two' });
      const alerts = `/api/insideview/alerts?subscriptionId=${created.body.id}&state=fetched`;
      await waitFor('both fetched', async () => (await second.api('get', alerts)).body.total === 2, 20_000);
      const firstCallForTwo = fake.requests.find((r) => r.path.endsWith('/alert/two'))!;
      assert.ok(firstCallForTwo.at - throttledAt >= 2900, `the other instance waited for the window too (${firstCallForTwo.at - throttledAt} ms)`);
    } finally {
      await second.close();
      await first.close();
      await fake.close();
    }
  });
});

describe('InsideView with two instances on one database', { skip: EMBEDDED && 'two instances on one database: PostgreSQL only' }, () => {
  it('fetches each of 100 alerts exactly once', async () => {
    const fake = await FakeInsideView.start();
    const first = await startInsideViewApp(fake);
    const second = await startInsideViewApp(fake, {}, first.database);
    try {
      const created = await first.api('post', '/api/subscriptions', { vendor: 'insideview', name: 'shared', insideview: { subscriptionType: 'company', companyIds: ['1'] } });
      assert.equal(created.status, 201);
      const vendorRef = created.body.vendorRef as string;
      const ids = Array.from({ length: 100 }, (_, n) => `bulk-${n}`);
      for (const id of ids) fake.setAlert(vendorRef, id, { pages: [[`${id}-c`]] });
      // InsideView reaches whichever instance the load balancer picks: alternate.
      const remote = fake.subscriptions.get(vendorRef)!;
      const urls = [first, second].map((app) => `${app.baseUrl}/webhooks/insideview/${created.body.id}`);
      for (let n = 0; n < ids.length; n += 10) {
        await Promise.all(
          ids.slice(n, n + 10).map(async (id, k) => {
            remote.webhook.url = urls[(n + k) % 2];
            const sent = await fake.sendAlert(vendorRef, { alertId: id });
            assert.equal(sent.status, 200, sent.body);
          }),
        );
      }
      await waitFor(
        'all 100 alerts fetched',
        async () => {
          const response = await first.api('get', `/api/insideview/alerts?subscriptionId=${created.body.id}&state=fetched&limit=500`);
          return response.body.total === 100 ? true : undefined;
        },
        60_000,
      );
      for (const id of ids) assert.equal(fake.alertDetailRequests(vendorRef, id), 1, `alert ${id} requested once`);
    } finally {
      await second.close();
      await first.close();
      await fake.close();
    }
  });
});
