import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { assertNothingStored, createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = fixture('walnut-demo-session-finished.json');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Bodies as they come over the wire: a byte-order mark, JSON scalars, compressed bodies. */
describe('Webhook bodies', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  /** Sends `wire` as the body; the signature is over `signed` (the bytes after any Content-Encoding is undone). */
  function deliver(subscription: CreatedSubscription, wire: Buffer | string, headers: Record<string, string> = {}, signed: Buffer | string = wire) {
    return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, signed), ...headers },
      body: wire,
    });
  }
  const eventOf = async (id: string) => (await app.api('get', `/api/events/${id}`)).body;

  it('parses signed JSON after a UTF-8 byte-order mark, and keeps the raw bytes as received', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const body = Buffer.concat([BOM, SAMPLE]);
    const response = await deliver(subscription, body);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.quarantined, false, 'the documented sample, behind a BOM, is still the documented sample');
    const event = await eventOf(response.body.eventId);
    assert.deepEqual(event.payload, JSON.parse(SAMPLE.toString()), 'the parsed copy is the JSON after the BOM');
    assert.equal(event.eventType, 'demo_session_finished');
    assert.equal(Buffer.from(event.rawBody, 'base64').compare(body), 0, 'the raw bytes keep the BOM the signature covers');
  });

  it('stores the parsed copy of a body sent in another Unicode charset', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const body = Buffer.from(SAMPLE.toString(), 'utf16le');
    const response = await deliver(subscription, body, { 'Content-Type': 'application/json; charset=utf-16le' });
    assert.equal(response.status, 200, response.text);
    const event = await eventOf(response.body.eventId);
    assert.deepEqual(event.payload, JSON.parse(SAMPLE.toString()));
    assert.equal(Buffer.from(event.rawBody, 'base64').compare(body), 0);
  });

  it('quarantines a signed JSON scalar like an array, answering 200', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    for (const text of ['42', '"x"', 'true', 'false', ' -1.5e3 \n', '[1,2]']) {
      const response = await deliver(subscription, text);
      assert.equal(response.status, 200, `${text}: ${response.text}`);
      assert.equal(response.body.quarantined, true, text);
      const event = await eventOf(response.body.eventId);
      assert.equal(event.status, 'quarantined', text);
      assert.deepEqual(event.validationErrors, ['the body must be a JSON object'], text);
      assert.deepEqual(event.payload, JSON.parse(text), text);
      assert.equal(Buffer.from(event.rawBody, 'base64').toString(), text);
    }
    const nullBody = await deliver(subscription, 'null');
    assert.equal(nullBody.status, 200, nullBody.text);
    assert.equal(nullBody.body.quarantined, true);
    const repeat = await deliver(subscription, '42');
    assert.equal(repeat.body.duplicate, true, 'a scalar dedupes like any body');

    const unsigned = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature('not-the-key', '42') },
      body: '42',
    });
    assert.equal(unsigned.status, 401, 'a scalar is authenticated like any body');
    const broken = await deliver(subscription, '4 2');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.code, 'MALFORMED_JSON', 'what is not JSON is still refused');
  });

  it('answers 415 with the reason when the body does not decode as its Content-Encoding says, storing nothing', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const cases: Array<[string, Buffer]> = [
      ['gzip', SAMPLE],
      ['deflate', SAMPLE],
      ['br', SAMPLE],
      ['gzip', gzipSync(SAMPLE).subarray(0, 40)], // cut short
    ];
    for (const [encoding, wire] of cases) {
      const response = await deliver(subscription, wire, { 'Content-Encoding': encoding }, SAMPLE);
      assert.equal(response.status, 415, `${encoding}: ${response.text}`);
      assert.equal(response.body.code, 'UNSUPPORTED_MEDIA_TYPE', encoding);
      assert.match(response.body.message, new RegExp(`${encoding}.*Content-Encoding`), encoding);
    }
    const unknown = await deliver(subscription, SAMPLE, { 'Content-Encoding': 'compress' });
    assert.equal(unknown.status, 415);
    assert.match(unknown.body.message, /Content-Encoding/);
    await assertNothingStored(app, subscription.id);

    // Bodies that do decode are stored, each once (the signature covers the decoded bytes).
    for (const [encoding, wire] of [['gzip', gzipSync(SAMPLE)], ['deflate', deflateSync(SAMPLE)], ['br', brotliCompressSync(SAMPLE)]] as const) {
      const response = await deliver(subscription, wire, { 'Content-Encoding': encoding }, SAMPLE);
      assert.equal(response.status, 200, `${encoding}: ${response.text}`);
      assert.equal(response.body.duplicate, encoding !== 'gzip', encoding);
    }
  });

  it('refuses a JSON scalar as the body of a management API call with 400', async () => {
    for (const text of ['42', '"walnut"', 'true']) {
      const response = await app.api('post', '/api/subscriptions').set('Content-Type', 'application/json').send(text);
      assert.equal(response.status, 400, `${text}: ${response.text}`);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
    }
  });
});
