import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { insightArcSampleSignature, insightArcSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription, assertNothingStored as assertNothingStoredFor, feedOf, storedEvents } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('insightarc-signal.json');
const INSIGHTARC_SECRET = 'insightarc-project-webhook-secret';

describe('InsightArc webhooks', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ CALLBACK_ALLOWED_HOSTS: 'hooks.example.org' });
  });
  after(async () => {
    await app?.close();
  });

  function deliver(subscription: { id: string }, body: Buffer | string, signature?: string) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (signature !== undefined) headers['x-insightarc-signature'] = signature;
    return sendRaw(app.baseUrl, 'POST', `/webhooks/insightarc/${subscription.id}`, { headers, body });
  }

  /** As InsightArc signs: the body's bytes followed by the URL registered there. */
  function sign(subscription: CreatedSubscription, body: Buffer | string = SAMPLE, secret = INSIGHTARC_SECRET): string {
    return insightArcSignature(secret, body, subscription.callbackUrl);
  }

  async function freshSubscription(body: Record<string, unknown> = {}): Promise<CreatedSubscription> {
    return createSubscription(app, { vendor: 'insightarc', secret: INSIGHTARC_SECRET, ...body });
  }

  const stored = (subscription: { id: string }, status?: string) => storedEvents(app, subscription.id, status);
  const feed = (subscription: { id: string }, count: number, query: Record<string, string> = {}) => feedOf(app, subscription.id, count, query);
  const assertNothingStored = (subscription: { id: string }) => assertNothingStoredFor(app, subscription.id);

  it('stores the documented sample, pretty-printed and signed over its raw bytes + the registered URL', async () => {
    const subscription = await freshSubscription();
    assert.equal(subscription.status, 'VERIFICATION_PENDING');
    assert.equal(subscription.callbackUrl, `https://gateway.example.com/webhooks/insightarc/${subscription.id}`);
    assert.notEqual(SAMPLE.toString(), JSON.stringify(JSON.parse(SAMPLE.toString())), 'the sample must not be compact JSON');

    const response = await deliver(subscription, SAMPLE, sign(subscription));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, { received: true, eventId: response.body.eventId, duplicate: false, quarantined: false });

    const events = await feed(subscription, 1);
    assert.equal(events.length, 1);
    assert.equal(events[0].id, response.body.eventId);
    assert.equal(events[0].vendor, 'insightarc');
    assert.equal(events[0].eventType, 'signal');
    assert.equal(events[0].occurredAt, null, 'the signal carries no timestamp');
    assert.equal(events[0].status, 'accepted');
    assert.equal(
      events[0].dedupeKey,
      `sha256:${createHash('sha256').update(JSON.stringify(JSON.parse(SAMPLE.toString()))).digest('hex')}`,
      'no vendor id: deduped on the hash of the form InsightArc signs, the re-serialised body',
    );
    assert.deepEqual(events[0].payload, JSON.parse(SAMPLE.toString()));
    assert.equal((events[0].payload as Record<string, unknown>).perfomance, 1.2, 'the field name is kept as sent');

    const detail = await app.api('get', `/api/events/${response.body.eventId}`);
    assert.equal(Buffer.from(detail.body.rawBody, 'base64').toString(), SAMPLE.toString());

    const afterDelivery = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(afterDelivery.body.status, 'ACTIVE', 'the first authentic delivery activates the subscription');
  });

  it('accepts the signature computed the way InsightArc’s sample verifies it: JSON.stringify(parsed body) + URL', async () => {
    const subscription = await freshSubscription();
    const signature = insightArcSampleSignature(INSIGHTARC_SECRET, JSON.parse(SAMPLE.toString()), subscription.callbackUrl);
    assert.notEqual(signature, sign(subscription), 'the pretty-printed bytes and the re-serialised body differ');
    const response = await deliver(subscription, SAMPLE, signature);
    assert.equal(response.status, 200, response.text);
    assert.equal(await stored(subscription), 1);
  });

  it('signs over the callback URL as stored, never the URL the request came in on, and follows a PATCH of it', async () => {
    const subscription = await freshSubscription();
    const arrivalUrl = `${app.baseUrl}/webhooks/insightarc/${subscription.id}`;
    for (const url of [arrivalUrl, `${subscription.callbackUrl}/`, 'https://other.example.com/hook']) {
      const response = await deliver(subscription, SAMPLE, insightArcSignature(INSIGHTARC_SECRET, SAMPLE, url));
      assert.equal(response.status, 401, url);
      assert.equal(response.body.code, 'SIGNATURE_INVALID');
    }
    await assertNothingStored(subscription);

    const registered = 'https://hooks.example.org/insightarc/inbound?project=42';
    const patched = await app.api('patch', `/api/subscriptions/${subscription.id}`, { callbackUrl: registered });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.callbackUrl, registered);
    const old = await deliver(subscription, SAMPLE, sign(subscription));
    assert.equal(old.status, 401, 'the previous URL no longer verifies');
    await assertNothingStored(subscription);
    const current = await deliver(subscription, SAMPLE, insightArcSignature(INSIGHTARC_SECRET, SAMPLE, registered));
    assert.equal(current.status, 200, current.text);
  });

  it('refuses a wrong secret, a tampered body and a missing signature with 401, storing nothing', async () => {
    const subscription = await freshSubscription();
    const tampered = Buffer.from(SAMPLE.toString().replace('"drop_proba": 0.95', '"drop_proba": 0.05'));
    assert.notEqual(tampered.toString(), SAMPLE.toString());
    const sampleWay = insightArcSampleSignature(INSIGHTARC_SECRET, JSON.parse(SAMPLE.toString()), subscription.callbackUrl);
    const cases = [
      { body: SAMPLE, signature: sign(subscription, SAMPLE, 'not-the-insightarc-secret'), code: 'SIGNATURE_INVALID' },
      { body: tampered, signature: sign(subscription, SAMPLE), code: 'SIGNATURE_INVALID' },
      { body: tampered, signature: sampleWay, code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, signature: Buffer.from(sign(subscription), 'base64').toString('hex'), code: 'SIGNATURE_INVALID' },
      { body: SAMPLE, signature: undefined, code: 'SIGNATURE_MISSING' },
      { body: SAMPLE, signature: '', code: 'SIGNATURE_MISSING' },
    ];
    for (const { body, signature, code } of cases) {
      const response = await deliver(subscription, body, signature);
      assert.equal(response.status, 401, code);
      assert.equal(response.body.code, code);
      assert.ok(!response.text.includes(INSIGHTARC_SECRET), 'an error never echoes the secret');
    }
    await assertNothingStored(subscription);
    const unchanged = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(unchanged.body.status, 'VERIFICATION_PENDING', 'an unauthenticated request changes nothing');
  });

  it('answers InsightArc’s HEAD check with 200 and becomes ACTIVE, even before the secret is set', async () => {
    const subscription = await createSubscription(app, { vendor: 'insightarc' });
    assert.equal(subscription.status, 'VERIFICATION_PENDING');
    const head = await app.http().head(`/webhooks/insightarc/${subscription.id}`);
    assert.equal(head.status, 200);
    const read = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(read.body.status, 'ACTIVE');
    assert.ok(read.body.verifiedAt);
    assert.equal((await app.http().head(`/webhooks/insightarc/${subscription.id}`)).status, 200, 'a later check still answers 200');
    assert.equal((await app.http().head('/webhooks/insightarc/00000000-0000-4000-8000-000000000000')).status, 404);
    await assertNothingStored(subscription);
  });

  it('refuses every delivery with 401 until the secret from InsightArc is given by rotate-secret', async () => {
    const subscription = await createSubscription(app, { vendor: 'insightarc' });
    assert.equal(subscription.secret, undefined, 'InsightArc issues the secret: none is generated');
    assert.equal(subscription.hasSecret, false);
    for (const secret of [INSIGHTARC_SECRET, '']) {
      const response = await deliver(subscription, SAMPLE, sign(subscription, SAMPLE, secret));
      assert.equal(response.status, 401);
      assert.equal(response.body.code, 'SECRET_NOT_SET');
    }
    await assertNothingStored(subscription);

    const rotated = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { secret: INSIGHTARC_SECRET });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.hasSecret, true);
    assert.equal(rotated.body.secret, undefined, 'a secret the operator gave is not echoed back');
    assert.equal(rotated.body.previousSecretExpiresAt, null, 'there was no previous secret to keep');
    const response = await deliver(subscription, SAMPLE, sign(subscription));
    assert.equal(response.status, 200, response.text);
    assert.equal(await stored(subscription), 1);
  });

  it('keeps the previous secret working during the rotation grace and refuses it afterwards', async () => {
    const subscription = await freshSubscription();
    const newSecret = 'insightarc-secret-after-regeneration';
    const rotated = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { secret: newSecret, graceSeconds: 2 });
    assert.equal(rotated.status, 200);
    const body = (n: number) => Buffer.from(JSON.stringify({ ...JSON.parse(SAMPLE.toString()), num_events: n }));
    assert.equal((await deliver(subscription, body(1), sign(subscription, body(1)))).status, 200, 'old secret inside the grace');
    assert.equal((await deliver(subscription, body(2), sign(subscription, body(2), newSecret))).status, 200, 'new secret');
    await sleep(2100);
    assert.equal((await deliver(subscription, body(3), sign(subscription, body(3)))).status, 401, 'old secret after the grace');
    assert.equal((await deliver(subscription, body(4), sign(subscription, body(4), newSecret))).status, 200, 'new secret after the grace');
    assert.equal(await stored(subscription), 3);
  });

  it('answers a repeat with duplicate: true and stores one row', async () => {
    const subscription = await freshSubscription();
    const first = await deliver(subscription, SAMPLE, sign(subscription));
    const second = await deliver(subscription, SAMPLE, sign(subscription));
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.body.duplicate, false);
    assert.equal(second.body.duplicate, true);
    assert.equal(second.body.eventId, first.body.eventId);
    assert.equal(await stored(subscription), 1);
  });

  it('answers a captured delivery re-sent with other whitespace as a duplicate, and stores it once', async () => {
    const subscription = await freshSubscription();
    const signal = JSON.parse(SAMPLE.toString());
    const compact = Buffer.from(JSON.stringify(signal));
    // What InsightArc sends and signs: the compact body + URL, which is also JSON.stringify of every variant below.
    const signature = sign(subscription, compact);
    const first = await deliver(subscription, compact, signature);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.duplicate, false);
    const variants = {
      'pretty-printed': SAMPLE,
      'indented by four': Buffer.from(JSON.stringify(signal, null, 4)),
      'padded and with a trailing newline': Buffer.from(` \t${compact.toString()}\r\n`),
      'with a byte-order mark': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), compact]),
    };
    for (const [name, body] of Object.entries(variants)) {
      assert.notEqual(body.toString(), compact.toString(), name);
      const replay = await deliver(subscription, body, signature);
      assert.equal(replay.status, 200, `${name}: ${replay.text}`);
      assert.equal(replay.body.duplicate, true, name);
      assert.equal(replay.body.eventId, first.body.eventId, name);
    }
    assert.equal(await stored(subscription), 1);
    // Another signal is another event, however it is spaced.
    const other = Buffer.from(JSON.stringify({ ...signal, num_events: 11 }, null, 2));
    const next = await deliver(subscription, other, sign(subscription, other));
    assert.equal(next.body.duplicate, false);
    assert.equal(await stored(subscription), 2);
  });

  it('quarantines a signed body nested too deep to re-serialise, checked over its raw bytes alone', async () => {
    const subscription = await freshSubscription();
    const body = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const response = await deliver(subscription, body, sign(subscription, body));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.quarantined, true);
    assert.equal((await deliver(subscription, body, sign(subscription, body))).body.duplicate, true, 'deduped on the raw bytes');
  });

  it('accepts a signal without the optional relevant_events', async () => {
    const subscription = await freshSubscription();
    const signal = JSON.parse(SAMPLE.toString());
    delete signal.relevant_events;
    const body = Buffer.from(JSON.stringify(signal));
    const response = await deliver(subscription, body, sign(subscription, body));
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, false);
  });

  it('quarantines an authentic signal with a wrongly typed or out-of-range field, still answering 200', async () => {
    const subscription = await freshSubscription();
    const cases: Array<[string, (signal: Record<string, unknown>) => void]> = [
      ['num_events', (signal) => (signal.num_events = '10')],
      ['drop_proba', (signal) => (signal.drop_proba = 1.5)],
      ['num_loops', (signal) => (signal.num_loops = 2.5)],
      ['avg_loops', (signal) => (signal.avg_loops = -1)],
      ['perfomance', (signal) => delete signal.perfomance],
      ['relevant_events.0.name', (signal) => (signal.relevant_events = [{ name: 42 }])],
    ];
    for (const [field, spoil] of cases) {
      const signal = JSON.parse(SAMPLE.toString());
      spoil(signal);
      const body = Buffer.from(JSON.stringify(signal, null, 2));
      const response = await deliver(subscription, body, sign(subscription, body));
      assert.equal(response.status, 200, field);
      assert.equal(response.body.quarantined, true, field);
      const event = (await app.api('get', `/api/events/${response.body.eventId}`)).body;
      assert.equal(event.status, 'quarantined');
      assert.equal(event.eventType, 'signal');
      assert.ok((event.validationErrors as string[]).some((error) => error.includes(field)), `${field}: ${event.validationErrors}`);
    }
    assert.equal(await stored(subscription, 'quarantined'), cases.length);
  });

  it('keeps fields the documentation does not list', async () => {
    const subscription = await freshSubscription();
    const signal = { ...JSON.parse(SAMPLE.toString()), session_id: 'abc', extra: { nested: [1, 2] } };
    const body = Buffer.from(JSON.stringify(signal));
    const response = await deliver(subscription, body, sign(subscription, body));
    assert.equal(response.status, 200);
    assert.equal(response.body.quarantined, false);
    const [event] = await feed(subscription, 1);
    assert.deepEqual(event.payload, signal);
  });

  it('refuses malformed JSON with 400 and another content type with 415, storing nothing', async () => {
    const subscription = await freshSubscription();
    const broken = '{"drop_proba": 0.95 //the probability\n}';
    const malformed = await deliver(subscription, broken, sign(subscription, broken));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'MALFORMED_JSON');
    const text = await sendRaw(app.baseUrl, 'POST', `/webhooks/insightarc/${subscription.id}`, {
      headers: { 'Content-Type': 'text/plain', 'x-insightarc-signature': sign(subscription) },
      body: SAMPLE,
    });
    assert.equal(text.status, 415);
    await assertNothingStored(subscription);
  });

  it('answers 410 for a disabled subscription and 404 for a Walnut subscription on this route', async () => {
    const subscription = await freshSubscription();
    await app.api('post', `/api/subscriptions/${subscription.id}/disable`, {});
    const refused = await deliver(subscription, SAMPLE, sign(subscription));
    assert.equal(refused.status, 410);
    await assertNothingStored(subscription);

    const walnut = await createSubscription(app, { vendor: 'walnut' });
    const wrongRoute = await deliver(walnut, SAMPLE, insightArcSignature(walnut.secret!, SAMPLE, walnut.callbackUrl));
    assert.equal(wrongRoute.status, 404);
    await assertNothingStored(walnut);
  });
});
