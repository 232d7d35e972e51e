import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendRaw } from '../support/raw-http';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';
import { walnutSignature } from '../support/signing';

/** The management API's edge: bad input is a 400 that names the field, never a 500, and settings that can never work are refused. */
describe('Management API input', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  /** A 400 VALIDATION_FAILED whose message names the field, and no 500. */
  function assertRefused(response: { status: number; body: { code?: string; message?: string } }, field: string | RegExp, what: string): void {
    assert.equal(response.status, 400, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.code, 'VALIDATION_FAILED', what);
    if (typeof field === 'string') assert.ok(response.body.message?.includes(field), `${what}: names ${field}: ${response.body.message}`);
    else assert.match(response.body.message ?? '', field, what);
  }

  describe('never a 500 for bad input (item 3)', () => {
    it('refuses a NUL character in a query filter, a name, a description and a reason, naming the field', async () => {
      assertRefused(await app.api('get', '/api/events?vendor=walnut%00'), 'vendor', 'NUL in /api/events?vendor');
      assertRefused(await app.api('get', '/api/events?eventType=a%00b'), 'eventType', 'NUL in /api/events?eventType');
      assertRefused(await app.api('get', '/api/subscriptions?vendor=walnut%00'), 'vendor', 'NUL in /api/subscriptions?vendor');
      assertRefused(await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'a\u0000b' }), 'name', 'NUL in name');
      assertRefused(await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', description: '\u0000' }), 'description', 'NUL in description');
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      assertRefused(await app.api('post', `/api/subscriptions/${subscription.id}/disable`, { message: 'paused\u0000' }), 'message', 'NUL in a disable reason');
      assertRefused(await app.api('post', `/api/subscriptions/${subscription.id}/disable`, { code: '\u0000' }), 'code', 'NUL in a disable code');
      assertRefused(await app.api('patch', `/api/subscriptions/${subscription.id}`, { requiredHeaders: { 'X-Key': 'a\u0000' } }), 'requiredHeaders', 'NUL in a header value');
      assert.equal((await app.api('get', `/api/subscriptions/${subscription.id}`)).body.status, 'VERIFICATION_PENDING', 'nothing was changed');
    });

    it('refuses unpaired surrogates, which UTF-8 cannot carry, instead of storing U+FFFD', async () => {
      const response = await sendRaw(app.baseUrl, 'POST', '/api/subscriptions', {
        headers: { Authorization: `Bearer ${TEST_API_TOKEN}`, 'Content-Type': 'application/json' },
        body: '{"vendor":"walnut","name":"demo \\ud800 sessions"}',
      });
      assertRefused(response, /^name must not contain an unpaired UTF-16 surrogate/, 'a lone surrogate in name');
    });

    it('refuses an offset or limit beyond what a number holds exactly (9223372036854775807, 1e300), naming it', async () => {
      for (const path of ['/api/subscriptions', '/api/insideview/alerts']) {
        for (const offset of ['9223372036854775807', '1e300', '-1', '1.5', '0x10', '']) {
          assertRefused(await app.api('get', `${path}?offset=${offset}`), /^offset must be a whole number from 0 to \d+$/, `${path}?offset=${offset}`);
        }
        assert.equal((await app.api('get', `${path}?offset=9007199254740991`)).status, 200, 'the largest offset taken');
      }
      for (const path of ['/api/events', '/api/subscriptions', '/api/insideview/alerts']) {
        assertRefused(await app.api('get', `${path}?limit=1e300`), /^limit must be a whole number from 1 to 500$/, `${path}?limit=1e300`);
        assert.equal((await app.api('get', `${path}?limit=500`)).status, 200);
      }
    });

    it('refuses null for every PATCH field that cannot be null, and lets null clear the description', async () => {
      const subscription = await createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'], description: 'before' });
      for (const field of ['name', 'callbackUrl', 'eventTypes', 'signature', 'requiredHeaders']) {
        const response = await app.api('patch', `/api/subscriptions/${subscription.id}`, { [field]: null });
        assertRefused(response, `${field} must not be null`, `PATCH ${field}: null`);
        assert.equal(response.body.details.length, 1, `one message: ${response.body.message}`);
      }
      assertRefused(await app.api('patch', `/api/subscriptions/${subscription.id}`, { signature: { header: null } }), 'signature.header must not be null', 'a null nested field');
      const cleared = await app.api('patch', `/api/subscriptions/${subscription.id}`, { description: null });
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.equal(cleared.body.description, null);
      assert.equal(cleared.body.name, subscription.name);
    });

    it('refuses a body that is JSON but not an object (null, a number, a list) on every route that takes one', async () => {
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      const routes: Array<['post' | 'patch', string]> = [
        ['post', '/api/subscriptions'],
        ['patch', `/api/subscriptions/${subscription.id}`],
        ['post', `/api/subscriptions/${subscription.id}/disable`],
        ['post', `/api/subscriptions/${subscription.id}/rotate-secret`],
      ];
      for (const [method, path] of routes) {
        for (const [body, kind] of [['null', 'null'], ['42', 'a number'], ['[]', 'an array']]) {
          const response = await app.http()[method](path).set('Authorization', `Bearer ${TEST_API_TOKEN}`).set('Content-Type', 'application/json').send(body);
          assertRefused(response, `not ${kind}`, `${method.toUpperCase()} ${path} with ${body}`);
        }
      }
      const [row] = await app.query('SELECT status FROM subscriptions WHERE id = $1', [subscription.id]);
      assert.equal(row.status, 'VERIFICATION_PENDING', 'a refused disable changed nothing');
    });

    it('answers a PostgreSQL data error that got past the validation with 400 on the management API, never on a webhook route', async () => {
      // Stands for any value the edge might one day let through and PostgreSQL refuses as data (class 22).
      await app.query(
        `CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW::text LIKE '%refused-by-the-database%' THEN RAISE EXCEPTION 'value refused' USING ERRCODE = '22023'; END IF;
           RETURN NEW;
         END $$`,
      );
      await app.query('CREATE TRIGGER refuse_marked BEFORE INSERT OR UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
      await app.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      const patched = await app.api('patch', `/api/subscriptions/${subscription.id}`, { name: 'refused-by-the-database' });
      assert.equal(patched.status, 400, JSON.stringify(patched.body));
      assert.equal(patched.body.code, 'VALIDATION_FAILED');
      assert.doesNotMatch(patched.body.message, /22023|value refused|trigger/, 'nothing of the database is shown');
      // On a webhook route a 5xx is what makes the vendor retry: the safety net must not turn it into a 4xx.
      const raw = JSON.stringify({ event: 'refused-by-the-database', timestamp: '2024-01-01T00:00:00Z' });
      const delivery = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
        headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, raw) },
        body: raw,
      });
      assert.ok(delivery.status >= 500, `a webhook keeps its 5xx: ${delivery.status} ${delivery.text}`);
    });
  });

  describe('settings that can never work are refused (item 10)', () => {
    it('refuses "secret": null at creation and at rotation', async () => {
      assertRefused(await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', secret: null }), 'secret must not be null', 'create');
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      assertRefused(await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { secret: null }), 'secret must not be null', 'rotate');
      assert.equal((await app.api('get', `/api/subscriptions/${subscription.id}`)).body.hasSecret, true);
    });

    it('refuses required-header values no delivery could carry: CR/LF, non-ASCII, spaces at either end, a name twice', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'X-Key': 'abc\r\nX-Injected: 1' }, 'requiredHeaders.X-Key must be printable ASCII'],
        [{ 'X-Key': 'abc\ndef' }, 'requiredHeaders.X-Key must be printable ASCII'],
        [{ 'X-Key': 'clé' }, 'requiredHeaders.X-Key must be printable ASCII'],
        [{ 'X-Key': ' padded' }, 'requiredHeaders.X-Key must be printable ASCII'],
        [{ 'X-Key': 'a', 'x-key': 'b' }, 'requiredHeaders names x-key twice'],
      ];
      for (const [requiredHeaders, message] of cases) {
        const response = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', requiredHeaders });
        assertRefused(response, message, JSON.stringify(requiredHeaders));
        assert.ok(!JSON.stringify(response.body).includes('abc'), 'the value itself is not echoed');
      }
      const accepted = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', requiredHeaders: { Authorization: 'Bearer a\tb~!' } });
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    });

    it('refuses a setting the vendor does not use, saying which vendor uses it; an empty one passes', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ vendor: 'walnut', signature: { scheme: 'hmac-sha256' } }, 'signature is not used by walnut subscriptions (only by visitor-tracking)'],
        [{ vendor: 'walnut', eventTypes: ['demo_session_finished'] }, 'eventTypes is not used by walnut subscriptions (only by visitor-tracking)'],
        [{ vendor: 'insightarc', signature: { header: 'X-Sig' } }, 'signature is not used by insightarc subscriptions'],
        [{ vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'], insideview: { subscriptionType: 'company' } }, 'insideview is not used by visitor-tracking subscriptions (only by insideview)'],
      ];
      for (const [body, message] of cases) {
        assertRefused(await app.api('post', '/api/subscriptions', { name: 'x', ...body }), message, JSON.stringify(body));
      }
      const walnut = await createSubscription(app, { vendor: 'walnut', signature: {}, eventTypes: [] });
      assertRefused(await app.api('patch', `/api/subscriptions/${walnut.id}`, { signature: { scheme: 'token' } }), 'signature is not used by walnut subscriptions', 'PATCH');
      assert.equal((await app.api('patch', `/api/subscriptions/${walnut.id}`, { name: 'renamed', signature: {} })).status, 200);
      const visitor = await createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'], signature: { scheme: 'hmac-sha256' } });
      assert.equal((await app.api('patch', `/api/subscriptions/${visitor.id}`, { signature: { header: 'X-Sig' } })).status, 200, 'the vendor that uses it may');
    });

    it('answers 415 to a body that is not JSON, after the token check', async () => {
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      for (const [method, path] of [
        ['POST', '/api/subscriptions'],
        ['PATCH', `/api/subscriptions/${subscription.id}`],
        ['POST', `/api/subscriptions/${subscription.id}/rotate-secret`],
      ]) {
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
          const headers: Record<string, string> = { Authorization: `Bearer ${TEST_API_TOKEN}` };
          if (type) headers['Content-Type'] = type;
          const response = await sendRaw(app.baseUrl, method, path, { headers, body: '{"vendor":"walnut","name":"x"}' });
          assert.equal(response.status, 415, `${method} ${path} as ${type}: ${response.text}`);
          assert.equal(response.body.code, 'UNSUPPORTED_MEDIA_TYPE');
          assert.match(response.body.message, /application\/json/);
        }
        const anonymous = await sendRaw(app.baseUrl, method, path, { headers: { 'Content-Type': 'text/plain' }, body: 'x' });
        assert.equal(anonymous.status, 401, 'no token: 401 first');
      }
      const document = (await app.http().get('/docs-json')).body;
      assert.match(document.paths['/api/subscriptions'].post.responses['415'].description, /UNSUPPORTED_MEDIA_TYPE/, 'documented');
      const noBody = await app.api('post', `/api/subscriptions/${subscription.id}/enable`);
      assert.equal(noBody.status, 200, 'a request without a body needs no content type');
      assert.equal((await app.api('get', `/api/subscriptions/${subscription.id}`)).body.name, subscription.name, 'nothing changed');
    });

    it('gives one clear message for a wrong type', async () => {
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      const grace = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { graceSeconds: '10' });
      assertRefused(grace, 'graceSeconds', 'graceSeconds: "10"');
      assert.deepEqual(grace.body.details, ['graceSeconds must be an integer number, not a string']);
      const name = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 42 });
      assert.deepEqual(name.body.details, ['name must be a string, not a number']);
      const url = await app.api('patch', `/api/subscriptions/${subscription.id}`, { callbackUrl: 5, eventTypes: [1] });
      assert.deepEqual(url.body.details, ['callbackUrl must be a string, not a number', 'each value in eventTypes must be a string']);
      const missing = await app.api('post', '/api/subscriptions', { vendor: 'walnut' });
      assert.deepEqual(missing.body.details, ['name is required']);
      const array = await app.api('post', '/api/subscriptions', [{ vendor: 'walnut', name: 'x' }]);
      assert.deepEqual(array.body.details, ['The body must be a JSON object, not an array']);
    });
  });
});
