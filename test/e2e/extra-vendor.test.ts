import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { VENDORS } from '../../src/vendors/vendors';
import { AcmeModule } from '../fixtures/acme-vendor/acme.module';
import { freePort } from '../support/gateway-process';
import { createSubscription, feedOf } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema?: { enum?: string[] } }>; requestBody?: unknown }>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[]; $ref?: string; allOf?: Array<{ $ref: string }> }> }> };
}

/** Acme's signature as its documentation would describe it, computed here independently of the fixture's code. */
function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * A vendor that lives only in test/fixtures/acme-vendor/, added to the app's vendor list by one
 * line: everything that enumerates vendors must pick it up from the list.
 */
describe('A vendor added by one folder and one line in the list', () => {
  let app: TestApp;
  before(async () => {
    const port = await freePort();
    // The one line: the gateway's list plus Acme.
    const vendors = [...VENDORS, AcmeModule];
    app = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }, { vendors });
  });
  after(async () => app?.close());

  it('is accepted by POST /api/subscriptions, with its own settings checked by its hooks', async () => {
    const subscription = await createSubscription(app, { vendor: 'acme', acme: { region: 'eu' } });
    assert.equal(subscription.vendor, 'acme');
    assert.ok(subscription.callbackUrl.endsWith(`/webhooks/acme/${subscription.id}`), subscription.callbackUrl);
    assert.deepEqual(subscription.vendorConfig, { region: 'eu' });
    assert.ok(subscription.secret, 'a secret is generated and shown once');
    const view = (await app.api('get', `/api/subscriptions/${subscription.id}`)).body;
    assert.deepEqual(view.setupSteps, [`Register \`${subscription.callbackUrl}\` at acme as its webhook URL.`], 'a vendor without setup steps gets the one generic step');
    assert.equal(view.syncable, false);

    const badSettings = await app.api('post', '/api/subscriptions', { vendor: 'acme', name: 'x', acme: { region: 'mars' } });
    assert.equal(badSettings.status, 400);
    assert.equal(badSettings.body.code, 'VALIDATION_FAILED');
    const notAnObject = await app.api('post', '/api/subscriptions', { vendor: 'acme', name: 'x', acme: 'eu' });
    assert.equal(notAnObject.status, 400);
    const otherVendor = await app.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', acme: { region: 'eu' } });
    assert.equal(otherVendor.status, 400);
    assert.match(otherVendor.body.message, /acme is not used by walnut subscriptions \(only by acme\)/);
  });

  it('serves its webhook: a signed POST is stored and readable through /api/events, an unsigned one refused', async () => {
    const subscription = await createSubscription(app, { vendor: 'acme', acme: { region: 'us' } });
    const path = `/webhooks/acme/${subscription.id}`;
    const body = JSON.stringify({ id: 'evt_42', type: 'order.created', at: '2024-05-01T12:00:00Z' });
    const unsigned = await app.http().post(path).set('Content-Type', 'application/json').send(body);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.body.code, 'SIGNATURE_MISSING');

    const signed = await app.http().post(path).set('Content-Type', 'application/json').set('X-Acme-Signature', sign(subscription.secret!, body)).send(body);
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.duplicate, false);
    assert.equal(signed.body.quarantined, false);
    const again = await app.http().post(path).set('Content-Type', 'application/json').set('X-Acme-Signature', sign(subscription.secret!, body)).send(body);
    assert.equal(again.body.duplicate, true, 'its dedupe key is the event id');

    const [event] = await feedOf(app, subscription.id, 1, { vendor: 'acme' });
    assert.equal(event.id, signed.body.eventId);
    assert.equal(event.vendor, 'acme');
    assert.equal(event.eventType, 'order.created');
    assert.equal(event.occurredAt, '2024-05-01T12:00:00.000Z');
    assert.equal(event.status, 'accepted');
    const head = await app.http().head(path);
    assert.equal(head.status, 200);
  });

  it('is simulated: test-event sends its signed sample, stored as a test event', async () => {
    const subscription = await createSubscription(app, { vendor: 'acme', acme: { region: 'eu' } });
    const response = await app.api('post', `/api/subscriptions/${subscription.id}/test-event`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.ok, true, JSON.stringify(response.body));
    assert.equal(response.body.headCheck, undefined, 'Acme makes no HEAD check');
    assert.equal(response.body.delivery.status, 200);
    const [event] = await feedOf(app, subscription.id, 1);
    assert.equal(event.isTest, true);
    assert.equal(event.eventType, 'order.created');
  });

  it('is documented in /docs-json: its routes, the vendor enums and its settings', async () => {
    const document = (await app.http().get('/docs-json')).body as OpenApiDocument;
    const route = document.paths['/webhooks/acme/{subscriptionId}'];
    assert.ok(route?.post?.requestBody, 'POST is documented with its body');
    assert.ok(route.post.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'X-Acme-Signature'));
    assert.ok(route.head, 'HEAD is documented');
    const create = document.components.schemas.CreateSubscriptionDto.properties!;
    assert.ok(create.vendor.enum?.includes('acme'), 'the vendor enum of CreateSubscriptionDto');
    const settingsRef = create.acme?.$ref ?? create.acme?.allOf?.[0].$ref;
    assert.equal(settingsRef, '#/components/schemas/AcmeSettingsDto', 'its own settings are documented');
    assert.ok(document.components.schemas.AcmeSettingsDto);
    for (const path of ['/api/subscriptions', '/api/events']) {
      const vendor = document.paths[path].get.parameters?.find((parameter) => parameter.in === 'query' && parameter.name === 'vendor');
      assert.ok(vendor?.schema?.enum?.includes('acme'), `${path}?vendor= lists it`);
    }
  });
});
