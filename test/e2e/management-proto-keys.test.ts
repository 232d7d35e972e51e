import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendRaw } from '../support/raw-http';
import { createSubscription } from '../support/subscriptions';
import { createDestination } from '../support/destinations';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';

/**
 * `__proto__`, `constructor` and `prototype` keys in a management body: JSON.parse keeps them as
 * ordinary keys, class-transformer drops them silently, so the whitelist never saw them and the
 * request was answered 2xx. They are refused like any other unknown key, at any depth. The bodies
 * are sent as raw bytes: a JavaScript object literal with `__proto__` would not carry the key at all.
 */
describe('Management API: prototype-named keys', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  function send(method: string, path: string, json: string) {
    return sendRaw(app.baseUrl, method, path, {
      headers: { Authorization: `Bearer ${TEST_API_TOKEN}`, 'Content-Type': 'application/json' },
      body: json,
    });
  }

  async function count(table: 'subscriptions' | 'destinations'): Promise<number> {
    const [row] = await app.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(row.n);
  }

  function assertRefusedAsUnknown(response: { status: number; body: { code?: string; message?: string } }, path: string, what: string): void {
    assert.equal(response.status, 400, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.code, 'VALIDATION_FAILED', what);
    assert.equal(response.body.message, `property ${path} should not exist`, what);
  }

  it('an unknown key is refused with this wording (the rule these keys now follow)', async () => {
    assertRefusedAsUnknown(await send('POST', '/api/subscriptions', '{"vendor":"walnut","name":"x","admin":true}'), 'admin', 'an ordinary unknown key');
  });

  it('refuses __proto__, constructor and prototype at the top of a create, and stores nothing', async () => {
    const before = await count('subscriptions');
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      for (const value of ['{"admin":true}', 'true', '"x"', 'null']) {
        const body = `{"vendor":"walnut","name":"x","${key}":${value}}`;
        assertRefusedAsUnknown(await send('POST', '/api/subscriptions', body), key, body);
      }
    }
    assert.equal(await count('subscriptions'), before, 'no subscription was created');
  });

  it('refuses them nested, in a DTO (signature) and in a free map (requiredHeaders)', async () => {
    const before = await count('subscriptions');
    const base = '"vendor":"visitor-tracking","name":"x","eventTypes":["NEW_VISIT"]';
    assertRefusedAsUnknown(await send('POST', '/api/subscriptions', `{${base},"signature":{"__proto__":{"scheme":"hmac-sha256"}}}`), 'signature.__proto__', 'signature.__proto__');
    assertRefusedAsUnknown(await send('POST', '/api/subscriptions', `{${base},"signature":{"constructor":{}}}`), 'signature.constructor', 'signature.constructor');
    assertRefusedAsUnknown(await send('POST', '/api/subscriptions', `{${base},"requiredHeaders":{"__proto__":"secret-value"}}`), 'requiredHeaders.__proto__', 'requiredHeaders.__proto__');
    assert.equal(await count('subscriptions'), before, 'no subscription was created');
  });

  it('refuses them on the other management routes that take a body', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut', name: 'before' });
    assertRefusedAsUnknown(await send('PATCH', `/api/subscriptions/${subscription.id}`, '{"name":"after","__proto__":{"x":1}}'), '__proto__', 'PATCH subscription');
    assertRefusedAsUnknown(await send('POST', `/api/subscriptions/${subscription.id}/rotate-secret`, '{"graceSeconds":0,"prototype":{}}'), 'prototype', 'rotate-secret');
    assertRefusedAsUnknown(await send('POST', `/api/subscriptions/${subscription.id}/disable`, '{"message":"m","constructor":{"name":"x"}}'), 'constructor', 'disable');
    const shown = await app.api('get', `/api/subscriptions/${subscription.id}`);
    assert.equal(shown.body.name, 'before', 'the PATCH changed nothing');
    assert.equal(shown.body.status, 'VERIFICATION_PENDING', 'the disable changed nothing');
    const [{ secret }] = await app.query<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = $1', [subscription.id]);

    const destinations = await count('destinations');
    const url = 'http://127.0.0.1:9/hooks';
    assertRefusedAsUnknown(await send('POST', '/api/destinations', `{"name":"d","url":"${url}","filter":{"__proto__":{"includeTest":true}}}`), 'filter.__proto__', 'destination filter');
    assertRefusedAsUnknown(await send('POST', '/api/destinations', `{"name":"d","url":"${url}","__proto__":{"maxConcurrency":1}}`), '__proto__', 'destination create');
    assert.equal(await count('destinations'), destinations, 'no destination was created');
    const destination = await createDestination(app, { url });
    assertRefusedAsUnknown(await send('PATCH', `/api/destinations/${destination.id}`, '{"name":"e","headers":{"constructor":"v"}}'), 'headers.constructor', 'destination PATCH');
    assert.equal((await app.api('get', `/api/destinations/${destination.id}`)).body.name, 'consumer', 'the destination PATCH changed nothing');

    const [{ secret: after }] = await app.query<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = $1', [subscription.id]);
    assert.equal(after, secret, 'the rotation did not happen');
  });

  it('still takes these words as values, and the same body without the key', async () => {
    const created = await send('POST', '/api/subscriptions', '{"vendor":"walnut","name":"__proto__","description":"constructor prototype"}');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.name, '__proto__');
  });
});
