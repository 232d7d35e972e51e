import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RejectionsService } from '../../src/subscriptions/rejections.service';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { insightArcSignature, walnutSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('walnut-demo-session-finished.json');
const KEPT = 10;

interface Rejection {
  status: number;
  code: string;
  reason: string;
  requestId: string | null;
}

/** GET /api/subscriptions/{id}/rejections: every refused delivery of a known subscription, whoever refused it. */
describe('Rejections', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ REJECTIONS_KEPT: String(KEPT), BODY_LIMIT: '4kb' });
  });
  after(async () => app?.close());

  function deliver(subscription: { id: string }, requestId: string, body: Buffer | string, headers: Record<string, string> = {}, vendor = 'walnut') {
    return sendRaw(app.baseUrl, 'POST', `/webhooks/${vendor}/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...headers },
      body,
    });
  }
  const signed = (subscription: CreatedSubscription, body: Buffer | string = SAMPLE) => ({ 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) });
  async function rejections(subscription: { id: string }): Promise<Rejection[]> {
    const response = await app.api('get', `/api/subscriptions/${subscription.id}/rejections`);
    assert.equal(response.status, 200, response.text);
    return response.body.data;
  }

  it('lists refusals made before the subscription is looked up: 413, malformed JSON, charset, Content-Encoding', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const big = JSON.stringify({ padding: 'x'.repeat(5000) });
    const attempts: Array<{ requestId: string; send: () => ReturnType<typeof deliver>; status: number; code: string; reason: RegExp }> = [
      { requestId: 'too-large', send: () => deliver(subscription, 'too-large', big, signed(subscription, big)), status: 413, code: 'PAYLOAD_TOO_LARGE', reason: /limit/ },
      { requestId: 'malformed', send: () => deliver(subscription, 'malformed', '{broken', signed(subscription, '{broken')), status: 400, code: 'MALFORMED_JSON', reason: /not valid JSON/ },
      { requestId: 'charset', send: () => deliver(subscription, 'charset', SAMPLE, { ...signed(subscription), 'Content-Type': 'application/json; charset=latin1' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: /charset/ },
      { requestId: 'encoding', send: () => deliver(subscription, 'encoding', SAMPLE, { ...signed(subscription), 'Content-Encoding': 'compress' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: /Content-Encoding/ },
      { requestId: 'not-gzip', send: () => deliver(subscription, 'not-gzip', SAMPLE, { ...signed(subscription), 'Content-Encoding': 'gzip' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: /gzip/ },
      // After the lookup, as before: the content type, the signature.
      { requestId: 'text-plain', send: () => deliver(subscription, 'text-plain', SAMPLE, { ...signed(subscription), 'Content-Type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', reason: /application\/json/ },
      { requestId: 'signature', send: () => deliver(subscription, 'signature', SAMPLE, { 'X-Walnut-Signature': 'nope' }), status: 401, code: 'SIGNATURE_INVALID', reason: /signature/ },
    ];
    for (const attempt of attempts) assert.equal((await attempt.send()).status, attempt.status, attempt.requestId);
    const listed = await rejections(subscription);
    const expected = [...attempts].reverse();
    assert.deepEqual(
      listed.map((r) => [r.requestId, r.status, r.code]),
      expected.map((attempt) => [attempt.requestId, attempt.status, attempt.code]),
      'each refusal, newest first',
    );
    expected.forEach((attempt, index) => assert.match(listed[index].reason, attempt.reason, attempt.requestId));
  });

  it('lists the 410 of a disabled subscription', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    await app.api('post', `/api/subscriptions/${subscription.id}/disable`, { message: 'paused' });
    assert.equal((await deliver(subscription, 'disabled', SAMPLE, signed(subscription))).status, 410);
    assert.equal((await deliver(subscription, 'disabled-malformed', '{', signed(subscription, '{'))).status, 400);
    assert.deepEqual(
      (await rejections(subscription)).map((r) => [r.requestId, r.status, r.code]),
      [
        ['disabled-malformed', 400, 'MALFORMED_JSON'],
        ['disabled', 410, 'SUBSCRIPTION_DISABLED'],
      ],
    );
  });

  it('keeps every refusal, none sampled, up to REJECTIONS_KEPT', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const sent = Array.from({ length: KEPT + 5 }, (_, n) => `burst-${n}`);
    for (const requestId of sent) {
      const body = requestId.endsWith('0') ? '{' : SAMPLE;
      assert.ok((await deliver(subscription, requestId, body, { 'X-Walnut-Signature': 'wrong' })).status >= 400);
    }
    assert.deepEqual(
      (await rejections(subscription)).map((r) => r.requestId),
      sent.slice(-KEPT).reverse(),
      'the last REJECTIONS_KEPT, one after the other, none skipped',
    );
  });

  it('records nothing for a path that names no subscription of that vendor', async () => {
    const walnut = await createSubscription(app, { vendor: 'walnut' });
    const insightarc = await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-value' });
    // Refused before any lookup, on the other vendor's route: the write finds no such subscription there.
    assert.equal((await deliver(walnut, 'wrong-vendor', '{', {}, 'insightarc')).status, 400);
    assert.equal((await deliver(insightarc, 'wrong-vendor-2', '{', {}, 'walnut')).status, 400);
    assert.equal((await deliver({ id: '00000000-0000-4000-8000-000000000000' }, 'unknown', '{')).status, 400);
    assert.equal((await deliver(insightarc, 'wrong-vendor-3', SAMPLE, { 'x-insightarc-signature': insightArcSignature('x', SAMPLE, insightarc.callbackUrl) }, 'walnut')).status, 404);
    assert.deepEqual(await rejections(walnut), []);
    assert.deepEqual(await rejections(insightarc), []);
    const [row] = await app.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_rejections WHERE request_id LIKE 'wrong-vendor%' OR request_id = 'unknown'");
    assert.equal(row.n, 0);
  });

  it('writes a flood of refusals as at most REJECTIONS_KEPT rows per subscription per write', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const service = app.app.get(RejectionsService);
    await service.flush();
    const sequence = async () => {
      const [row] = await app.query<{ value: string }>(
        "SELECT COALESCE(last_value, 0)::text AS value FROM pg_sequences WHERE format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence('webhook_rejections', 'id')",
      );
      return BigInt(row.value);
    };
    const before = await sequence();
    // A thousand refusals within one interval, as under a flood of bad deliveries.
    for (let n = 0; n < 1000; n++) {
      assert.equal(service.record({ vendor: 'walnut', subscriptionId: subscription.id }, { status: 401, code: 'SIGNATURE_INVALID', reason: 'x', requestId: `flood-${n}`, remoteAddress: null }), true);
    }
    const listed = await rejections(subscription);
    assert.deepEqual(
      listed.map((r) => r.requestId),
      Array.from({ length: KEPT }, (_, n) => `flood-${999 - n}`),
    );
    assert.equal(await sequence(), before + BigInt(KEPT), 'only the rows the list can show were written');
    for (let n = 0; n < 3; n++) service.record({ vendor: 'walnut', subscriptionId: subscription.id }, { status: 400, code: 'MALFORMED_JSON', reason: 'x', requestId: `later-${n}`, remoteAddress: null });
    assert.equal((await rejections(subscription))[0].requestId, 'later-2');
    const [stored] = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_rejections WHERE subscription_id = $1', [subscription.id]);
    assert.equal(stored.n, KEPT, 'older rows are dropped as newer ones are written');
  });
});
