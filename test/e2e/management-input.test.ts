import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendRaw } from '../support/raw-http';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';
import { queryDatabase } from '../support/test-database';
import { walnutSignature } from '../support/signing';

/** The management API's edge: bad input is a 400 that names the field, never a 500. */
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

    it('answers a PostgreSQL data error that got past the validation with 400 on the management API, never on a webhook route', async () => {
      // Stands for any value the edge might one day let through and PostgreSQL refuses as data (class 22).
      await queryDatabase(
        app.database.url,
        `CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW::text LIKE '%refused-by-the-database%' THEN RAISE EXCEPTION 'value refused' USING ERRCODE = '22023'; END IF;
           RETURN NEW;
         END $$`,
      );
      await queryDatabase(app.database.url, 'CREATE TRIGGER refuse_marked BEFORE INSERT OR UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
      await queryDatabase(app.database.url, 'CREATE TRIGGER refuse_marked BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_marked()');
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
});
