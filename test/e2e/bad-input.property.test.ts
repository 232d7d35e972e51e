import assert from 'node:assert/strict';
import { walnutSignature } from '../support/signing';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sendRaw } from '../support/raw-http';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const DOCUMENTED = new Set([200, 400, 401, 404, 410, 413, 415]);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

/** A JSON text nested `depth` levels deep, as objects or arrays. */
const deeplyNested = (depth: number, kind: 'object' | 'array') =>
  kind === 'object' ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('Bad input, generated (fast-check)', () => {
  let app: TestApp;
  let walnut: CreatedSubscription;
  let other: CreatedSubscription;
  const signedAndAccepted = new Set<string>();

  before(async () => {
    app = await startTestApp({ BODY_LIMIT: '256kb' });
    walnut = await createSubscription(app, { vendor: 'walnut' });
    other = await createSubscription(app, { vendor: 'walnut' });
  });
  after(async () => app?.close());

  const body = fc.oneof(
    fc.json().map((text) => Buffer.from(text)),
    fc.string().map((text) => Buffer.from(text)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map((value) => Buffer.from(JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-01-01T00:00:00Z', data: value }))),
    fc.tuple(fc.string(), fc.string()).map(([a, b]) => Buffer.from(`{"event":${JSON.stringify(a)},"event":${JSON.stringify(b)}}`)),
    fc.uint8Array({ minLength: 1, maxLength: 50 }).map((bytes) => Buffer.concat([Buffer.from('{"event":"'), Buffer.from(bytes.map((b) => b | 0x80)), Buffer.from('"}')])),
    fc.integer({ min: 1, max: 20_000 }).chain((depth) => fc.constantFrom('object', 'array').map((kind) => Buffer.from(deeplyNested(depth, kind as 'object' | 'array')))),
    fc.integer({ min: 200_000, max: 300_000 }).map((size) => Buffer.from(JSON.stringify({ padding: 'x'.repeat(size) }))),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.walnut+json',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
    'application/json, text/plain',
  );
  type SignatureKind = 'valid' | 'upper' | 'other-secret' | 'random' | 'none' | 'valid-with-garbage';
  const signatureKind = fc.constantFrom<SignatureKind>('valid', 'valid', 'upper', 'other-secret', 'random', 'none', 'valid-with-garbage');
  const extraHeaders = fc.dictionary(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/).filter((name) => !['content-length', 'transfer-encoding', 'host', 'connection', 'content-type', 'x-walnut-signature', 'expect', 'upgrade', 'content-encoding', 'x-gateway-test-event'].includes(name.toLowerCase())),
    fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
    { maxKeys: 4 },
  );

  function signatureFor(kind: SignatureKind, raw: Buffer, random: string): string | undefined {
    const valid = walnutSignature(walnut.secret!, raw);
    switch (kind) {
      case 'valid':
        return valid;
      case 'upper':
        return valid.toUpperCase();
      case 'other-secret':
        return walnutSignature(other.secret!, raw);
      case 'valid-with-garbage':
        return `${valid}00`;
      case 'random':
        return random;
      case 'none':
        return undefined;
    }
  }

  it('never answers 5xx, only documented statuses, and stores only correctly signed bodies', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, signatureKind, fc.stringMatching(/^[0-9a-fA-F]{0,130}$/), extraHeaders, async (raw, type, kind, random, extra) => {
        const signature = signatureFor(kind, raw, random);
        const headers: Record<string, string> = { ...extra };
        if (type) headers['Content-Type'] = type;
        if (signature !== undefined) headers['X-Walnut-Signature'] = signature;
        const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${walnut.id}`, { headers, body: raw });
        assert.ok(response.status < 500, `5xx ${response.status}: ${response.text}`);
        assert.ok(DOCUMENTED.has(response.status), `undocumented ${response.status}: ${response.text}`);
        if (response.status === 200) {
          assert.ok(kind === 'valid' || kind === 'upper', `200 with a ${kind} signature`);
          signedAndAccepted.add(raw.toString('base64'));
        }
      }),
      { numRuns: RUNS },
    );
    const rows = await app.query<{ raw_body: Buffer }>('SELECT raw_body FROM webhook_events WHERE subscription_id = $1', [walnut.id]);
    assert.ok(signedAndAccepted.size > 0 && rows.length > 0, 'some correctly signed bodies were accepted and stored');
    assert.ok(rows.length <= signedAndAccepted.size);
    for (const row of rows) {
      assert.ok(signedAndAccepted.has(row.raw_body.toString('base64')), 'every stored body was sent correctly signed');
    }
  });

  it('keeps any correctly signed JSON object byte for byte, accepted or quarantined', async () => {
    await fc.assert(
      fc.asyncProperty(fc.object({ maxDepth: 4 }), fc.boolean(), async (value, pretty) => {
        const raw = Buffer.from(pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value));
        const signature = walnutSignature(walnut.secret!, raw);
        const response = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${walnut.id}`, {
          headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': signature },
          body: raw,
        });
        assert.equal(response.status, 200, response.text);
        const event = await app.api('get', `/api/events/${response.body.eventId}`);
        assert.equal(Buffer.from(event.body.rawBody, 'base64').compare(raw), 0);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
