import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { visitorTrackingHmac } from '../support/signing';
import { createSubscription, type CreatedSubscription, assertNothingStored as assertNothingStoredFor, feedOf, storedEvents } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('visitor-tracking-visit.json');

describe('Visitor-tracking webhooks', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app?.close();
  });

  function deliver(subscription: { id: string }, body: Buffer | string, headers: Record<string, string> = {}) {
    return sendRaw(app.baseUrl, 'POST', `/webhooks/visitor-tracking/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });
  }

  async function freshSubscription(body: Record<string, unknown> = {}): Promise<CreatedSubscription> {
    return createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'], ...body });
  }

  const stored = (subscription: { id: string }, status?: string) => storedEvents(app, subscription.id, status);
  const feed = (subscription: { id: string }, count: number, query: Record<string, string> = {}) => feedOf(app, subscription.id, count, query);
  const assertNothingStored = (subscription: { id: string }) => assertNothingStoredFor(app, subscription.id);

  /** The sample with some fields changed, pretty-printed like the fixture. */
  function variant(change: (visit: Record<string, any>) => void): Buffer {
    const visit = JSON.parse(SAMPLE.toString());
    change(visit);
    return Buffer.from(JSON.stringify(visit, null, 2));
  }

  it('stores the documented sample sent with the shared secret in X-Webhook-Signature (the default)', async () => {
    const subscription = await freshSubscription();
    assert.equal(subscription.status, 'VERIFICATION_PENDING');
    assert.ok(subscription.secret && subscription.secret.length >= 32, 'a secret is generated for the operator to paste at the vendor');
    assert.deepEqual(subscription.signature, { header: 'X-Webhook-Signature', scheme: 'token' });
    assert.deepEqual(subscription.eventTypes, ['NEW_VISIT']);
    assert.notEqual(SAMPLE.toString(), JSON.stringify(JSON.parse(SAMPLE.toString())), 'the sample must not be compact JSON');

    const response = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, { received: true, eventId: response.body.eventId, duplicate: false, quarantined: false });

    const events = await feed(subscription, 1);
    assert.equal(events.length, 1);
    assert.equal(events[0].id, response.body.eventId);
    assert.equal(events[0].vendor, 'visitor-tracking');
    assert.equal(events[0].eventType, 'NEW_VISIT');
    assert.equal(events[0].occurredAt, '2024-12-22T14:30:00.000Z');
    assert.equal(events[0].status, 'accepted');
    assert.equal(events[0].dedupeKey, 'NEW_VISIT:unique_visit_id');
    assert.deepEqual(events[0].payload, JSON.parse(SAMPLE.toString()));
    assert.ok(!JSON.stringify(events[0].headers).includes(subscription.secret!), 'the shared secret is not stored with the event');

    const detail = await app.api('get', `/api/events/${response.body.eventId}`);
    assert.equal(Buffer.from(detail.body.rawBody, 'base64').toString(), SAMPLE.toString());

    const afterDelivery = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(afterDelivery.body.status, 'ACTIVE', 'the first authentic delivery activates the subscription');
  });

  it('stores a NEW_VISITOR subscription’s deliveries under NEW_VISITOR, one per visitor', async () => {
    const subscription = await freshSubscription({ eventTypes: ['NEW_VISITOR'] });
    const headers = { 'X-Webhook-Signature': subscription.secret! };
    const first = await deliver(subscription, SAMPLE, headers);
    assert.equal(first.status, 200, first.text);
    const [event] = await feed(subscription, 1);
    assert.equal(event.eventType, 'NEW_VISITOR');
    assert.equal(event.dedupeKey, 'NEW_VISITOR:unique_visitor_id');
    assert.equal(event.occurredAt, '2024-12-22T14:30:00.000Z');

    const sameVisitorAgain = await deliver(subscription, variant((visit) => (visit.id = 'another_visit_id')), headers);
    assert.equal(sameVisitorAgain.status, 200);
    assert.equal(sameVisitorAgain.body.duplicate, true, 'the visitor is new only once');
    const otherVisitor = await deliver(subscription, variant((visit) => (visit.visitor.id = 'another_visitor_id')), headers);
    assert.equal(otherVisitor.body.duplicate, false);
    assert.equal((await feed(subscription, 2, { eventType: 'NEW_VISITOR' })).length, 2);
    assert.equal(await stored(subscription), 2);
  });

  it('answers a repeat of a visit with duplicate: true, even when retried with other bytes', async () => {
    const subscription = await freshSubscription();
    const headers = { 'X-Webhook-Signature': subscription.secret! };
    const first = await deliver(subscription, SAMPLE, headers);
    const second = await deliver(subscription, SAMPLE, headers);
    const compact = await deliver(subscription, JSON.stringify(JSON.parse(SAMPLE.toString())), headers);
    assert.equal(first.body.duplicate, false);
    for (const repeat of [second, compact]) {
      assert.equal(repeat.status, 200);
      assert.equal(repeat.body.duplicate, true);
      assert.equal(repeat.body.eventId, first.body.eventId);
    }
    const otherVisit = await deliver(subscription, variant((visit) => (visit.id = 'another_visit_id')), headers);
    assert.equal(otherVisit.body.duplicate, false);
    assert.equal(await stored(subscription), 2);
  });

  it('refuses a wrong token, a missing header and a token in the wrong header with 401, storing nothing', async () => {
    const subscription = await freshSubscription();
    const other = await freshSubscription();
    const cases: Array<{ headers: Record<string, string>; code: string }> = [
      { headers: { 'X-Webhook-Signature': 'not-the-shared-secret' }, code: 'SIGNATURE_INVALID' },
      { headers: { 'X-Webhook-Signature': other.secret! }, code: 'SIGNATURE_INVALID' },
      { headers: { 'X-Webhook-Signature': subscription.secret!.slice(0, 20) }, code: 'SIGNATURE_INVALID' },
      { headers: { 'X-Webhook-Signature': visitorTrackingHmac(subscription.secret!, SAMPLE) }, code: 'SIGNATURE_INVALID' },
      { headers: {}, code: 'SIGNATURE_MISSING' },
      { headers: { 'X-Webhook-Signature': '' }, code: 'SIGNATURE_MISSING' },
      { headers: { Authorization: subscription.secret! }, code: 'SIGNATURE_MISSING' },
    ];
    for (const { headers, code } of cases) {
      const response = await deliver(subscription, SAMPLE, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.body.code, code);
      assert.ok(!response.text.includes(subscription.secret!), 'an error never echoes the secret');
    }
    await assertNothingStored(subscription);
    const unchanged = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(unchanged.body.status, 'VERIFICATION_PENDING', 'an unauthenticated request changes nothing');
  });

  it('checks a token in a custom header name', async () => {
    const subscription = await freshSubscription({ signature: { header: 'X-Visitor-Token' } });
    assert.deepEqual(subscription.signature, { header: 'X-Visitor-Token', scheme: 'token' });
    const inDefaultHeader = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(inDefaultHeader.status, 401);
    assert.equal(inDefaultHeader.body.code, 'SIGNATURE_MISSING');
    const wrong = await deliver(subscription, SAMPLE, { 'x-visitor-token': 'wrong-token-value' });
    assert.equal(wrong.status, 401);
    await assertNothingStored(subscription);
    const right = await deliver(subscription, SAMPLE, { 'x-visitor-token': subscription.secret! });
    assert.equal(right.status, 200, right.text);
  });

  it('checks a hex HMAC-SHA256 of the raw body, with or without sha256=, in a custom header', async () => {
    const secret = 'visitor-tracking-hmac-secret';
    const subscription = await freshSubscription({ secret, signature: { header: 'X-Hub-Signature-256', scheme: 'hmac-sha256' } });
    assert.deepEqual(subscription.signature, { header: 'X-Hub-Signature-256', scheme: 'hmac-sha256' });
    const signature = visitorTrackingHmac(secret, SAMPLE);
    const tampered = variant((visit) => (visit.ip = '10.0.0.1'));
    const refused: Array<{ body: Buffer; headers: Record<string, string>; code: string }> = [
      { body: SAMPLE, headers: { 'X-Hub-Signature-256': visitorTrackingHmac('not-the-hmac-secret', SAMPLE) }, code: 'SIGNATURE_INVALID' },
      { body: tampered, headers: { 'X-Hub-Signature-256': signature }, code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, headers: { 'X-Hub-Signature-256': secret }, code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, headers: { 'X-Hub-Signature-256': `sha1=${signature}` }, code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, headers: { 'X-Webhook-Signature': signature }, code: 'SIGNATURE_MISSING' },
    ];
    for (const { body, headers, code } of refused) {
      const response = await deliver(subscription, body, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.body.code, code);
    }
    await assertNothingStored(subscription);

    const plain = await deliver(subscription, SAMPLE, { 'X-Hub-Signature-256': signature });
    assert.equal(plain.status, 200, plain.text);
    const otherVisit = variant((visit) => (visit.id = 'visit_with_prefixed_signature'));
    const prefixed = await deliver(subscription, otherVisit, { 'X-Hub-Signature-256': `sha256=${visitorTrackingHmac(secret, otherVisit)}` });
    assert.equal(prefixed.status, 200, prefixed.text);
    const upperVisit = variant((visit) => (visit.id = 'visit_with_uppercase_hex'));
    const upper = await deliver(subscription, upperVisit, { 'X-Hub-Signature-256': visitorTrackingHmac(secret, upperVisit).toUpperCase() });
    assert.equal(upper.status, 200, upper.text);
    assert.equal(await stored(subscription), 3);
  });

  it('checks the HMAC in the default header when only the scheme is chosen', async () => {
    const subscription = await freshSubscription({ signature: { scheme: 'hmac-sha256' } });
    assert.deepEqual(subscription.signature, { header: 'X-Webhook-Signature', scheme: 'hmac-sha256' });
    const asToken = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(asToken.status, 401, 'the secret itself is not accepted under the HMAC scheme');
    await assertNothingStored(subscription);
    const response = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': visitorTrackingHmac(subscription.secret!, SAMPLE) });
    assert.equal(response.status, 200, response.text);
  });

  it('requires the custom headers configured at the vendor, with exactly their values', async () => {
    const subscription = await freshSubscription({ requiredHeaders: { Authorization: 'Bearer crm-token-123', 'X-Api-Version': '2' } });
    const token = { 'X-Webhook-Signature': subscription.secret! };
    const cases: Array<{ headers: Record<string, string>; code: string }> = [
      { headers: { ...token, 'X-Api-Version': '2' }, code: 'REQUIRED_HEADER_MISSING' },
      { headers: { ...token, Authorization: 'Bearer crm-token-123' }, code: 'REQUIRED_HEADER_MISSING' },
      { headers: { ...token, Authorization: 'Bearer crm-token-124', 'X-Api-Version': '2' }, code: 'REQUIRED_HEADER_MISMATCH' },
      { headers: { ...token, Authorization: 'bearer crm-token-123', 'X-Api-Version': '2' }, code: 'REQUIRED_HEADER_MISMATCH' },
      { headers: { Authorization: 'Bearer crm-token-123', 'X-Api-Version': '2' }, code: 'SIGNATURE_MISSING' },
    ];
    for (const { headers, code } of cases) {
      const response = await deliver(subscription, SAMPLE, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.body.code, code);
      assert.ok(!response.text.includes('crm-token-123'), 'an error never echoes a required header’s value');
    }
    await assertNothingStored(subscription);
    const response = await deliver(subscription, SAMPLE, { ...token, authorization: 'Bearer crm-token-123', 'x-api-version': '2' });
    assert.equal(response.status, 200, response.text);
  });

  it('refuses a subscription without exactly one of NEW_VISIT, NEW_VISITOR with 400', async () => {
    const invalid: Array<Record<string, unknown>> = [
      {},
      { eventTypes: [] },
      { eventTypes: ['NEW_VISIT', 'NEW_VISITOR'] },
      { eventTypes: ['new_visit'] },
      { eventTypes: ['PAGE_VIEW'] },
    ];
    for (const body of invalid) {
      const response = await app.api('post', '/api/subscriptions', { vendor: 'visitor-tracking', name: 'bad', ...body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.match(response.body.message, /eventTypes must be exactly one of NEW_VISIT, NEW_VISITOR/);
    }
    const clash = await app.api('post', '/api/subscriptions', {
      vendor: 'visitor-tracking',
      name: 'bad',
      eventTypes: ['NEW_VISIT'],
      requiredHeaders: { 'x-webhook-signature': 'fixed' },
    });
    assert.equal(clash.status, 400, 'the signature header cannot also be a fixed required header');
    const listed = await app.api('get', '/api/subscriptions?vendor=visitor-tracking');
    assert.ok(!(listed.body.data as Array<{ name: string }>).some((row) => row.name === 'bad'), 'nothing was created');

    const subscription = await freshSubscription();
    const patchedBad = await app.api('patch', `/api/subscriptions/${subscription.id}`, { eventTypes: ['NEW_VISIT', 'NEW_VISITOR'] });
    assert.equal(patchedBad.status, 400);
    const patched = await app.api('patch', `/api/subscriptions/${subscription.id}`, { eventTypes: ['NEW_VISITOR'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.eventTypes, ['NEW_VISITOR']);
    const response = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(response.status, 200);
    const [event] = await feed(subscription, 1);
    assert.equal(event.eventType, 'NEW_VISITOR');
  });

  it('keeps the chosen signature header when a PATCH changes only the scheme', async () => {
    const subscription = await freshSubscription({ signature: { header: 'X-Visitor-Token' } });
    const patched = await app.api('patch', `/api/subscriptions/${subscription.id}`, { signature: { scheme: 'hmac-sha256' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.signature, { header: 'X-Visitor-Token', scheme: 'hmac-sha256' });
    const response = await deliver(subscription, SAMPLE, { 'X-Visitor-Token': visitorTrackingHmac(subscription.secret!, SAMPLE) });
    assert.equal(response.status, 200, response.text);
  });

  it('answers HEAD with 200 without activating: the platform documents no HEAD check', async () => {
    const subscription = await freshSubscription();
    assert.equal((await app.http().head(`/webhooks/visitor-tracking/${subscription.id}`)).status, 200);
    assert.equal((await app.http().head('/webhooks/visitor-tracking/00000000-0000-4000-8000-000000000000')).status, 404);
    const read = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(read.body.status, 'VERIFICATION_PENDING');
    await assertNothingStored(subscription);
  });

  it('quarantines an authentic visit with a wrongly typed field, still answering 200', async () => {
    const subscription = await freshSubscription();
    const headers = { 'X-Webhook-Signature': subscription.secret! };
    const cases: Array<[string, (visit: Record<string, any>) => void]> = [
      ['date', (visit) => (visit.date = 1734877800)],
      ['visitor.id', (visit) => (visit.visitor.id = 42)],
      ['screen.touch', (visit) => (visit.screen.touch = 'maybe')],
      ['device.hardwareConcurrency', (visit) => (visit.device.hardwareConcurrency = 'six')],
      ['visitor.company.name', (visit) => (visit.visitor.company.name = ['Example Corp'])],
    ];
    for (const [field, spoil] of cases) {
      const response = await deliver(subscription, variant((visit) => {
        visit.id = `visit_with_bad_${field}`;
        spoil(visit);
      }), headers);
      assert.equal(response.status, 200, field);
      assert.equal(response.body.quarantined, true, field);
      const event = (await app.api('get', `/api/events/${response.body.eventId}`)).body;
      assert.equal(event.status, 'quarantined');
      assert.equal(event.eventType, 'NEW_VISIT');
      assert.ok((event.validationErrors as string[]).some((error) => error.startsWith(field)), `${field}: ${event.validationErrors}`);
    }
    const [badDate] = await feed(subscription, cases.length, { status: 'quarantined' });
    assert.equal(badDate.occurredAt, null, 'an unreadable date gives no occurred-at');
    assert.equal(await stored(subscription, 'quarantined'), cases.length);
  });

  it('dedupes a visit without an id on the raw body, and quarantines it', async () => {
    const subscription = await freshSubscription();
    const body = variant((visit) => delete visit.id);
    const headers = { 'X-Webhook-Signature': subscription.secret! };
    const first = await deliver(subscription, body, headers);
    const second = await deliver(subscription, body, headers);
    assert.equal(first.status, 200);
    assert.equal(first.body.quarantined, true);
    assert.equal(second.body.duplicate, true);
    const [event] = await feed(subscription, 1);
    assert.match(String(event.dedupeKey), /^sha256:[0-9a-f]{64}$/);
  });

  it('accepts numbers and booleans as strings, as the sample sends them, and null where a part is unknown', async () => {
    const subscription = await freshSubscription();
    const body = variant((visit) => {
      visit.referrer = null;
      visit.visitor.company = null;
      visit.screen.touch = 'false';
    });
    const response = await deliver(subscription, body, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, false);
  });

  it('keeps fields the documentation does not list', async () => {
    const subscription = await freshSubscription();
    const visit = JSON.parse(SAMPLE.toString());
    visit.pageViews = 3;
    visit.visitor.company.industry = 'Software';
    visit.device.memory = { gb: 8 };
    const body = Buffer.from(JSON.stringify(visit));
    const response = await deliver(subscription, body, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, false);
    const [event] = await feed(subscription, 1);
    assert.deepEqual(event.payload, visit);
  });

  it('refuses malformed JSON with 400 and another content type with 415, storing nothing', async () => {
    const subscription = await freshSubscription();
    const headers = { 'X-Webhook-Signature': subscription.secret! };
    const malformed = await deliver(subscription, '{"id": "unique_visit_id",', headers);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'MALFORMED_JSON');
    const text = await sendRaw(app.baseUrl, 'POST', `/webhooks/visitor-tracking/${subscription.id}`, {
      headers: { ...headers, 'Content-Type': 'text/plain' },
      body: SAMPLE,
    });
    assert.equal(text.status, 415);
    await assertNothingStored(subscription);
  });

  it('answers 410 for a disabled subscription, storing nothing', async () => {
    const subscription = await freshSubscription();
    await app.api('post', `/api/subscriptions/${subscription.id}/disable`, {});
    const refused = await deliver(subscription, SAMPLE, { 'X-Webhook-Signature': subscription.secret! });
    assert.equal(refused.status, 410);
    assert.equal(refused.body.code, 'SUBSCRIPTION_DISABLED');
    await assertNothingStored(subscription);
  });
});
