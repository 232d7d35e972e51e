import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription, listEvents } from '../support/subscriptions';
import { appRoutes } from '../support/routes';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';

describe('Management API: subscriptions', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ CALLBACK_ALLOWED_HOSTS: 'hooks.example.com,proxy.example.com' });
  });
  after(async () => app?.close());

  it('refuses every /api route without a token, with a wrong one, or with a malformed header', async () => {
    const routes = appRoutes(app.app).filter((route) => route.path.startsWith('/api/'));
    assert.ok(routes.length >= 15, `found the management routes (${routes.length})`);
    const authorizations = [undefined, 'Bearer wrong-token-0123456789', `Basic ${TEST_API_TOKEN}`, 'Bearer', TEST_API_TOKEN, `Bearer ${TEST_API_TOKEN}x`];
    for (const { method, path } of routes) {
      const concrete = path.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const authorization of authorizations) {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (authorization) headers.Authorization = authorization;
        const response = await sendRaw(app.baseUrl, method, concrete, { headers, body: method === 'GET' ? undefined : '{}' });
        assert.equal(response.status, 401, `${method} ${path} with ${authorization}`);
        assert.equal(response.body.code, 'UNAUTHORIZED');
      }
    }
  });

  it('accepts a token configured only as its SHA-256 hash', async () => {
    const hashed = await startTestApp({ API_TOKENS: `sha256:${createHash('sha256').update('hashed-token-0123456789').digest('hex')}` });
    try {
      assert.equal((await hashed.http().get('/api/subscriptions').set('Authorization', 'Bearer hashed-token-0123456789')).status, 200);
      const literal = `sha256:${createHash('sha256').update('hashed-token-0123456789').digest('hex')}`;
      assert.equal((await hashed.http().get('/api/subscriptions').set('Authorization', `Bearer ${literal}`)).status, 401, 'the hash itself is no token');
    } finally {
      await hashed.close();
    }
  });

  it('creates a subscription: 201, the secret shown once, the callback URL to register', async () => {
    const created = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'Marketing demos', description: 'EMEA' });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^[0-9a-f]{64}$/);
    assert.equal(created.body.status, 'VERIFICATION_PENDING');
    assert.equal(created.body.callbackUrl, `https://gateway.example.com/webhooks/walnut/${created.body.id}`);
    assert.equal(created.body.hasSecret, true);

    const read = await app.api('get', `/api/subscriptions/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.secret, undefined);
    assert.ok(!JSON.stringify(read.body).includes(created.body.secret), 'the secret is never returned after creation');
    assert.equal(read.body.name, 'Marketing demos');
    assert.equal(read.body.description, 'EMEA');
    // How to register it at Walnut, from Walnut's definition, with this subscription's URL in it.
    assert.equal(read.body.setupSteps.length, 3);
    assert.ok(read.body.setupSteps[0].includes(`\`${created.body.callbackUrl}\``), read.body.setupSteps[0]);
    assert.match(read.body.setupSteps.join(' '), /Walnut/);
    assert.equal(read.body.syncable, false, 'Walnut keeps no status of its own to sync');
  });

  it('keeps a given secret and callback URL, and never returns required header values', async () => {
    const created = await app.api('post', '/api/subscriptions', {
      vendor: 'walnut',
      name: 'given',
      secret: 'walnut-issued-key-123',
      callbackUrl: 'https://hooks.example.com/walnut/abc',
      requiredHeaders: { 'X-Api-Key': 'header-secret-value' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.secret, undefined, 'a secret the operator gave is not echoed back');
    assert.equal(created.body.hasSecret, true);
    assert.equal(created.body.callbackUrl, 'https://hooks.example.com/walnut/abc');
    assert.deepEqual(created.body.requiredHeaders, ['X-Api-Key']);
    const read = await app.api('get', `/api/subscriptions/${created.body.id}`);
    assert.ok(!JSON.stringify(read.body).includes('header-secret-value'));
    assert.ok(!JSON.stringify(read.body).includes('walnut-issued-key-123'));
  });

  it('refuses bad input with 400 and a message naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ vendor: 'nosuchvendor', name: 'x' }, 'UNKNOWN_VENDOR'],
      [{ vendor: 'walnut' }, 'VALIDATION_FAILED'],
      [{ vendor: 'walnut', name: 'x', callbackUrl: 'ftp://example.com/x' }, 'VALIDATION_FAILED'],
      [{ vendor: 'walnut', name: 'x', secret: 'short' }, 'VALIDATION_FAILED'],
      [{ vendor: 'walnut', name: 'x', requiredHeaders: { 'bad header': 'v' } }, 'VALIDATION_FAILED'],
      [{ vendor: 'walnut', name: 'x', unexpected: true }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const response = await app.api('post', '/api/subscriptions', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.code, code, JSON.stringify(response.body));
      assert.equal(typeof response.body.message, 'string');
    }
    const unknownVendor = await app.api('post', '/api/subscriptions', { vendor: 'nosuchvendor', name: 'x' });
    assert.match(unknownVendor.body.message, /walnut/, 'the error lists the known vendors');
    const missingName = await app.api('post', '/api/subscriptions', { vendor: 'walnut' });
    assert.match(missingName.body.message, /name/);
  });

  it('lists with vendor and status filters', async () => {
    const a = await createSubscription(app, { vendor: 'walnut', name: 'list-a' });
    const b = await createSubscription(app, { vendor: 'walnut', name: 'list-b' });
    await app.api('post', `/api/subscriptions/${b.id}/disable`, {});
    const disabled = await app.api('get', '/api/subscriptions?status=DISABLED');
    assert.equal(disabled.status, 200);
    assert.ok(disabled.body.data.some((s: { id: string }) => s.id === b.id));
    assert.ok(!disabled.body.data.some((s: { id: string }) => s.id === a.id));
    assert.ok(disabled.body.data.every((s: { status: string }) => s.status === 'DISABLED'));
    const walnut = await app.api('get', '/api/subscriptions?vendor=walnut&limit=500');
    assert.ok(walnut.body.data.some((s: { id: string }) => s.id === a.id));
    assert.ok(walnut.body.data.every((s: { secret?: string }) => s.secret === undefined));
    assert.equal((await app.api('get', '/api/subscriptions?status=SLEEPING')).status, 400);
    assert.equal((await app.api('get', '/api/subscriptions?limit=0')).status, 400);
  });

  it('updates name, description, callback URL, event types and required headers', async () => {
    // Visitor-tracking: the vendor that uses eventTypes (others refuse it).
    const created = await createSubscription(app, { vendor: 'visitor-tracking', name: 'before', eventTypes: ['NEW_VISIT'] });
    const patched = await app.api('patch', `/api/subscriptions/${created.id}`, {
      name: 'after',
      description: 'now described',
      callbackUrl: 'https://proxy.example.com/walnut',
      eventTypes: ['NEW_VISITOR'],
      requiredHeaders: { 'X-Env': 'prod' },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'after');
    assert.equal(patched.body.description, 'now described');
    assert.equal(patched.body.callbackUrl, 'https://proxy.example.com/walnut');
    assert.deepEqual(patched.body.eventTypes, ['NEW_VISITOR']);
    assert.deepEqual(patched.body.requiredHeaders, ['X-Env']);
    assert.equal((await app.api('patch', `/api/subscriptions/${created.id}`, { vendor: 'other' })).status, 400);
  });

  it('enforces required headers on deliveries', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'headers', requiredHeaders: { 'X-Env': 'prod' } });
    const body = fixture('walnut-demo-session-finished.json');
    const headers = { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body) };
    const path = `/webhooks/walnut/${created.id}`;
    const missing = await sendRaw(app.baseUrl, 'POST', path, { headers, body });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.code, 'REQUIRED_HEADER_MISSING');
    const wrong = await sendRaw(app.baseUrl, 'POST', path, { headers: { ...headers, 'X-Env': 'staging' }, body });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'REQUIRED_HEADER_MISMATCH');
    assert.equal((await listEvents(app, { subscriptionId: created.id })).length, 0);
    const ok = await sendRaw(app.baseUrl, 'POST', path, { headers: { ...headers, 'x-env': 'prod' }, body });
    assert.equal(ok.status, 200);
  });

  it('disables with a reason and enables again, back to the status it had earned', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'switch' });
    const disabled = await app.api('post', `/api/subscriptions/${created.id}/disable`, { code: 'MAINTENANCE', message: 'vendor migration' });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.status, 'DISABLED');
    assert.equal(disabled.body.disableReasonErrorCode, 'MAINTENANCE');
    assert.equal(disabled.body.disableReasonMessage, 'vendor migration');
    const enabled = await app.api('post', `/api/subscriptions/${created.id}/enable`);
    assert.equal(enabled.body.status, 'VERIFICATION_PENDING', 'never verified, so pending again');
    assert.equal(enabled.body.disableReasonErrorCode, null);

    const body = fixture('walnut-demo-session-finished.json');
    await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body) },
      body,
    });
    await app.api('post', `/api/subscriptions/${created.id}/disable`, {});
    const reenabled = await app.api('post', `/api/subscriptions/${created.id}/enable`);
    assert.equal(reenabled.body.status, 'ACTIVE', 'verified once, so ACTIVE again');
  });

  it('never stores a header a subscription authenticates with, even one normally kept', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'auth header', requiredHeaders: { 'X-Request-Id': 'shared-token-123' } });
    const body = fixture('walnut-demo-session-finished.json');
    const delivered = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body), 'X-Request-Id': 'shared-token-123', 'User-Agent': 'Walnut' },
      body,
    });
    assert.equal(delivered.status, 200);
    const event = await app.api('get', `/api/events/${delivered.body.eventId}`);
    assert.equal(event.body.headers['user-agent'], 'Walnut');
    assert.equal(event.body.headers['x-request-id'], undefined);
  });

  it('refuses to generate a secret for a vendor that issues its own', async () => {
    const created = await createSubscription(app, { vendor: 'insightarc', name: 'vendor-issued' });
    const response = await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, {});
    assert.equal(response.status, 400);
    assert.match(response.body.message, /insightarc issues the secret/);
    assert.equal((await app.api('get', `/api/subscriptions/${created.id}`)).body.hasSecret, false);
  });

  it('refuses a status sync for a vendor without a status of its own', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'no sync' });
    const response = await app.api('post', `/api/subscriptions/${created.id}/sync`);
    assert.equal(response.status, 400);
  });

  it('validates rotation input', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'rotate' });
    assert.equal((await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, { graceSeconds: -1 })).status, 400);
    assert.equal((await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, { graceSeconds: 'soon' })).status, 400);
    const rotated = await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, {});
    assert.equal(rotated.status, 200);
    const expires = Date.parse(rotated.body.previousSecretExpiresAt);
    assert.ok(Math.abs(expires - (Date.now() + 24 * 3600 * 1000)) < 60_000, 'the default grace is 24 hours');
  });

  it('deletes a subscription but keeps its events', async () => {
    const created = await createSubscription(app, { vendor: 'walnut', name: 'to delete' });
    const body = fixture('walnut-demo-session-finished.json');
    const delivered = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body) },
      body,
    });
    assert.equal(delivered.status, 200);
    assert.equal((await app.api('delete', `/api/subscriptions/${created.id}`)).status, 204);
    assert.equal((await app.api('get', `/api/subscriptions/${created.id}`)).status, 404);
    assert.equal((await app.api('delete', `/api/subscriptions/${created.id}`)).status, 404);
    const event = await app.api('get', `/api/events/${delivered.body.eventId}`);
    assert.equal(event.status, 200, 'an acknowledged event outlives its subscription');
    assert.equal(event.body.subscriptionId, created.id, 'and stays attributed to it');
    const gone = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body) },
      body,
    });
    assert.equal(gone.status, 404);
  });

  it('answers 404 with the standard body for unknown ids and routes', async () => {
    const missing = await app.api('get', '/api/subscriptions/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'SUBSCRIPTION_NOT_FOUND');
    const route = await app.api('get', '/api/nothing-here');
    assert.equal(route.status, 404);
    assert.deepEqual(Object.keys(route.body).sort(), ['code', 'error', 'message', 'statusCode']);
  });
});
