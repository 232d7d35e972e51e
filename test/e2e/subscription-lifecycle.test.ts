import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { appRoutes } from '../support/routes';
import { walnutSignature } from '../support/signing';
import { createSubscription, feedOf, listEvents } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { queryDatabase } from '../support/test-database';

const SAMPLE = JSON.parse(fixture('walnut-demo-session-finished.json').toString()) as Record<string, unknown>;

describe('Subscription lifecycle: delete, rotate, disable', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  describe('DELETE', () => {
    it('keeps the events attributed: the subscription is gone from every route and list, its id stays on its events', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'to delete', requiredHeaders: { 'X-Tenant': 'tenant-value-1' } });
      const other = await createSubscription(app, { vendor: 'walnut', name: 'stays' });
      const body = JSON.stringify({ ...SAMPLE, session: 'before-delete' });
      const headers = { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.secret!, body), 'X-Tenant': 'tenant-value-1' };
      const delivered = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, { headers, body });
      assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
      await feedOf(app, created.id, 1);

      assert.equal((await app.api('delete', `/api/subscriptions/${created.id}`)).status, 204);

      // Every management route that names a subscription answers 404, as for an id never known.
      const routes = appRoutes(app.app).filter((route) => route.path.startsWith('/api/subscriptions/{id}'));
      assert.ok(routes.length >= 9, `found the subscription routes (${routes.length})`);
      for (const { method, path } of routes) {
        const response = await app.api(method.toLowerCase() as 'get', path.replace('{id}', created.id), method === 'GET' || method === 'DELETE' ? undefined : {});
        assert.equal(response.status, 404, `${method} ${path}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.code, 'SUBSCRIPTION_NOT_FOUND', `${method} ${path}`);
      }
      // Gone from the lists, filtered or not; the other subscription is still there.
      for (const query of ['', '?vendor=walnut', '?status=VERIFICATION_PENDING', '?status=ACTIVE']) {
        const list = await app.api('get', `/api/subscriptions${query}`);
        assert.equal(list.status, 200);
        assert.ok(!list.body.data.some((s: { id: string }) => s.id === created.id), `not listed by ${query || 'the plain list'}`);
        assert.equal(list.body.total, list.body.data.length, 'the total does not count it either');
      }
      assert.ok((await app.api('get', '/api/subscriptions')).body.data.some((s: { id: string }) => s.id === other.id));

      // The webhook routes: 404 for a correctly signed delivery and for the HEAD check.
      const gone = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, { headers, body: JSON.stringify({ ...SAMPLE, session: 'after-delete' }) });
      assert.equal(gone.status, 404);
      assert.equal(gone.body.code, 'SUBSCRIPTION_NOT_FOUND');
      assert.equal((await sendRaw(app.baseUrl, 'HEAD', `/webhooks/walnut/${created.id}`, {})).status, 404);

      // Its event keeps its subscription id, and the feed still finds it by that id.
      const event = await app.api('get', `/api/events/${delivered.body.eventId}`);
      assert.equal(event.status, 200);
      assert.equal(event.body.subscriptionId, created.id);
      const events = await listEvents(app, { subscriptionId: created.id });
      assert.deepEqual(events.map((e) => String(e.id)), [String(delivered.body.eventId)]);

      // What only served the live subscription is erased: its secrets and header values.
      const [row] = await queryDatabase<{ secret: string | null; previous_secret: string | null; required_headers: Record<string, string>; deleted_at: Date | null }>(
        app.database.url,
        'SELECT secret, previous_secret, required_headers, deleted_at FROM subscriptions WHERE id = $1',
        [created.id],
      );
      assert.ok(row.deleted_at, 'the row stays, marked deleted');
      assert.equal(row.secret, null);
      assert.equal(row.previous_secret, null);
      assert.deepEqual(row.required_headers, {});
    });

    it('answers 404 to the second of two concurrent deletes', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'deleted twice' });
      const answers = await Promise.all([1, 2].map(() => app.api('delete', `/api/subscriptions/${created.id}`)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [204, 404]);
    });
  });
});
