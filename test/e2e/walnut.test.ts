import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { assertNothingStored, createSubscription, listEvents, storedEvents, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('walnut-demo-session-finished.json');

describe('Walnut webhooks', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ BODY_LIMIT: '4kb' });
  });
  after(async () => app?.close());

  function deliver(subscription: { id: string }, body: Buffer | string, signature?: string, contentType = 'application/json') {
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (signature !== undefined) headers['X-Walnut-Signature'] = signature;
    return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, { headers, body });
  }

  async function freshSubscription(): Promise<CreatedSubscription> {
    return createSubscription(app, { vendor: 'walnut' });
  }

  it('stores the documented sample, sent pretty-printed and signed over its raw bytes, exactly as received', async () => {
    const subscription = await freshSubscription();
    assert.equal(subscription.status, 'VERIFICATION_PENDING');
    assert.notEqual(SAMPLE.toString(), JSON.stringify(JSON.parse(SAMPLE.toString())), 'the sample must not be compact JSON');

    const response = await deliver(subscription, SAMPLE, walnutSignature(subscription.secret!, SAMPLE));
    assert.equal(response.status, 200);
    assert.equal(response.body.received, true);
    assert.equal(response.body.duplicate, false);
    assert.equal(response.body.quarantined, false);

    const events = await listEvents(app, { subscriptionId: subscription.id });
    assert.equal(events.length, 1);
    assert.equal(events[0].id, response.body.eventId);
    assert.equal(events[0].eventType, 'demo_session_finished');
    assert.equal(events[0].occurredAt, '2023-11-01T19:15:20.666Z');
    assert.equal(events[0].status, 'accepted');
    assert.deepEqual(events[0].payload, JSON.parse(SAMPLE.toString()));

    const detail = await app.api('get', `/api/events/${response.body.eventId}`);
    assert.equal(Buffer.from(detail.body.rawBody, 'base64').toString(), SAMPLE.toString());

    const after = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(after.body.status, 'ACTIVE', 'the first authentic delivery activates the subscription');
    assert.ok(after.body.lastEventAt);
  });

  it('answers a repeat with duplicate: true and stores one row', async () => {
    const subscription = await freshSubscription();
    const signature = walnutSignature(subscription.secret!, SAMPLE);
    const first = await deliver(subscription, SAMPLE, signature);
    const second = await deliver(subscription, SAMPLE, signature);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.body.duplicate, true);
    assert.equal(second.body.eventId, first.body.eventId);
    assert.equal(await storedEvents(app, subscription.id), 1);
  });

  it('refuses a tampered body, a wrong key and a missing signature with 401, storing nothing', async () => {
    const subscription = await freshSubscription();
    const tampered = Buffer.from(SAMPLE.toString().replace('"fab_clicks": 0', '"fab_clicks": 9'));
    const cases = [
      { body: tampered, signature: walnutSignature(subscription.secret!, SAMPLE), code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, signature: walnutSignature('not-the-key-at-all', SAMPLE), code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, signature: undefined, code: 'SIGNATURE_MISSING' },
      { body: SAMPLE, signature: '', code: 'SIGNATURE_MISSING' },
      { body: SAMPLE, signature: walnutSignature(subscription.secret!, SAMPLE).slice(0, 10), code: 'SIGNATURE_INVALID' },
    ];
    for (const { body, signature, code } of cases) {
      const response = await deliver(subscription, body, signature);
      assert.equal(response.status, 401, code);
      assert.equal(response.body.code, code);
      assert.deepEqual(Object.keys(response.body).sort(), ['code', 'error', 'message', 'statusCode']);
      assert.ok(!JSON.stringify(response.body).includes(subscription.secret!), 'an error never echoes the secret');
    }
    await assertNothingStored(app, subscription.id);
    const unchanged = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(unchanged.body.status, 'VERIFICATION_PENDING', 'an unauthenticated request changes nothing');
  });

  it('refuses a delivery signed with another subscription’s key', async () => {
    const mine = await freshSubscription();
    const theirs = await freshSubscription();
    const response = await deliver(mine, SAMPLE, walnutSignature(theirs.secret!, SAMPLE));
    assert.equal(response.status, 401);
  });

  it('keeps the old key working during the rotation grace and refuses it afterwards', async () => {
    const subscription = await freshSubscription();
    const oldKey = subscription.secret!;
    const rotated = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { graceSeconds: 2 });
    assert.equal(rotated.status, 200);
    const newKey = rotated.body.secret as string;
    assert.ok(newKey && newKey !== oldKey);
    assert.ok(rotated.body.previousSecretExpiresAt);

    const body = (n: number) => Buffer.from(JSON.stringify({ ...JSON.parse(SAMPLE.toString()), timestamp: `2024-01-01T00:00:0${n}Z` }));
    assert.equal((await deliver(subscription, body(1), walnutSignature(oldKey, body(1)))).status, 200, 'old key inside the grace');
    assert.equal((await deliver(subscription, body(2), walnutSignature(newKey, body(2)))).status, 200, 'new key');
    await sleep(2100);
    assert.equal((await deliver(subscription, body(3), walnutSignature(oldKey, body(3)))).status, 401, 'old key after the grace');
    assert.equal((await deliver(subscription, body(4), walnutSignature(newKey, body(4)))).status, 200, 'new key after the grace');
  });

  it('accepts a key given at rotation (Walnut’s "Reset key") and ends the old one at once with graceSeconds 0', async () => {
    const subscription = await freshSubscription();
    const walnutKey = 'key-issued-by-walnut-after-reset';
    const rotated = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { secret: walnutKey, graceSeconds: 0 });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.secret, undefined, 'a secret the operator gave is not echoed back');
    assert.equal((await deliver(subscription, SAMPLE, walnutSignature(subscription.secret!, SAMPLE))).status, 401);
    assert.equal((await deliver(subscription, SAMPLE, walnutSignature(walnutKey, SAMPLE))).status, 200);
  });

  it('answers 410 for a disabled subscription and stores nothing, and accepts again once enabled', async () => {
    const subscription = await freshSubscription();
    const disabled = await app.api('post', `/api/subscriptions/${subscription.id}/disable`, { message: 'demo ended' });
    assert.equal(disabled.body.status, 'DISABLED');
    const signature = walnutSignature(subscription.secret!, SAMPLE);
    const refused = await deliver(subscription, SAMPLE, signature);
    assert.equal(refused.status, 410);
    assert.equal(refused.body.code, 'SUBSCRIPTION_DISABLED');
    assert.equal((await app.http().head(`/webhooks/walnut/${subscription.id}`)).status, 410);
    await assertNothingStored(app, subscription.id);

    await app.api('post', `/api/subscriptions/${subscription.id}/enable`);
    assert.equal((await deliver(subscription, SAMPLE, signature)).status, 200);
  });

  it('answers 404 for an unknown subscription, a malformed id and another vendor’s route', async () => {
    const subscription = await freshSubscription();
    const signature = walnutSignature(subscription.secret!, SAMPLE);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await deliver({ id }, SAMPLE, signature);
      assert.equal(response.status, 404);
      assert.equal(response.body.code, 'SUBSCRIPTION_NOT_FOUND');
    }
    assert.equal((await app.http().head('/webhooks/walnut/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await sendRaw(app.baseUrl, 'POST', `/webhooks/nosuchvendor/${subscription.id}`, { body: '{}' })).status, 404);
  });

  it('answers HEAD with 200 for a known subscription', async () => {
    const subscription = await freshSubscription();
    const response = await app.http().head(`/webhooks/walnut/${subscription.id}`);
    assert.equal(response.status, 200);
  });

  it('refuses a body that is not JSON: 415 for another content type, 400 for malformed JSON', async () => {
    const subscription = await freshSubscription();
    const text = await deliver(subscription, 'hello', walnutSignature(subscription.secret!, 'hello'), 'text/plain');
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const broken = '{"event": "demo_session_finished",';
    const malformed = await deliver(subscription, broken, walnutSignature(subscription.secret!, broken));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'MALFORMED_JSON');
    await assertNothingStored(app, subscription.id);
  });

  it('refuses a body over BODY_LIMIT with 413', async () => {
    const subscription = await freshSubscription();
    const big = Buffer.from(JSON.stringify({ ...JSON.parse(SAMPLE.toString()), padding: 'x'.repeat(5000) }));
    const response = await deliver(subscription, big, walnutSignature(subscription.secret!, big));
    assert.equal(response.status, 413);
    assert.equal(response.body.code, 'PAYLOAD_TOO_LARGE');
    await assertNothingStored(app, subscription.id);
  });

  it('quarantines an authentic body with a wrongly typed field, still answering 200', async () => {
    const subscription = await freshSubscription();
    const sample = JSON.parse(SAMPLE.toString());
    sample.data.demo_engagement.fab_clicks = 'zero';
    const body = Buffer.from(JSON.stringify(sample, null, 2));
    const response = await deliver(subscription, body, walnutSignature(subscription.secret!, body));
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, true);
    const [event] = await listEvents(app, { subscriptionId: subscription.id, status: 'quarantined' });
    assert.equal(event.eventType, 'demo_session_finished');
    assert.ok((event.validationErrors as string[]).some((error) => error.includes('data.demo_engagement.fab_clicks')), String(event.validationErrors));
  });

  it('quarantines a test event whose shape differs from the documented one', async () => {
    const subscription = await freshSubscription();
    const body = Buffer.from('{"test": true}');
    const response = await deliver(subscription, body, walnutSignature(subscription.secret!, body));
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, true);
  });

  it('keeps fields the documentation does not list', async () => {
    const subscription = await freshSubscription();
    const sample = JSON.parse(SAMPLE.toString());
    sample.data.new_walnut_field = { nested: [1, 2] };
    const body = Buffer.from(JSON.stringify(sample));
    const response = await deliver(subscription, body, walnutSignature(subscription.secret!, body));
    assert.equal(response.body.quarantined, false);
    const [event] = await listEvents(app, { subscriptionId: subscription.id });
    assert.deepEqual((event.payload as { data: Record<string, unknown> }).data.new_walnut_field, { nested: [1, 2] });
  });
});
