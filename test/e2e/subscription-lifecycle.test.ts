import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { appRoutes } from '../support/routes';
import { walnutSignature } from '../support/signing';
import { createSubscription, feedOf, listEvents, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = JSON.parse(fixture('walnut-demo-session-finished.json').toString()) as Record<string, unknown>;

describe('Subscription lifecycle: delete, rotate, disable', () => {
  let app: TestApp;
  let sent = 0;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => app?.close());

  /** A Walnut delivery of a body never sent before, signed with `secret`: its status. */
  async function deliverSigned(subscription: { id: string }, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = JSON.stringify({ ...SAMPLE, session: `lifecycle-${sent++}` });
    return sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(secret, body) },
      body,
    });
  }

  async function accepts(subscription: { id: string }, secret: string): Promise<boolean> {
    const response = await deliverSigned(subscription, secret);
    assert.ok([200, 401].includes(response.status), `a delivery answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.status === 200;
  }

  function rotate(subscription: { id: string }, body: Record<string, unknown>) {
    return app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, body);
  }

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
      const [row] = await app.query<{ secret: string | null; previous_secret: string | null; required_headers: Record<string, string>; deleted_at: Date | null }>(
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

  describe('rotate-secret', () => {
    it('serialises concurrent rotations: every secret shown signs accepted deliveries for its grace', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'concurrent rotations' });
      const answers = await Promise.all([1, 2, 3, 4].map(() => rotate(created, { graceSeconds: 3600 })));
      const shown = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      assert.equal(shown.length, 1, `one rotation wins: ${answers.map((a) => a.status)}`);
      for (const answer of refused) {
        assert.equal(answer.status, 409);
        assert.equal(answer.body.code, 'ROTATION_IN_GRACE');
        assert.ok(answer.body.message.includes(shown[0].body.previousSecretExpiresAt), 'the refusal says when the grace ends');
        assert.equal(answer.body.secret, undefined, 'a refused rotation shows no secret');
      }
      // Every secret that was shown works: the original during its grace, and the new one.
      for (const secret of [created.secret!, ...shown.map((a) => a.body.secret as string)]) {
        assert.ok(await accepts(created, secret), 'a secret that was shown is accepted');
      }
    });

    it('serialises concurrent rotations to given secrets: the one answered 200 is the one in force', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'concurrent given' });
      const given = ['given-secret-aaaaaaaa', 'given-secret-bbbbbbbb', 'given-secret-cccccccc'];
      const answers = await Promise.all(given.map((secret) => rotate(created, { secret, graceSeconds: 3600 })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409]);
      const winner = given[answers.findIndex((a) => a.status === 200)];
      assert.ok(await accepts(created, winner));
      assert.ok(await accepts(created, created.secret!), 'the original, in its grace');
      for (const loser of given.filter((secret) => secret !== winner)) assert.equal(await accepts(created, loser), false, 'a refused secret was never set');
    });

    it('does not cut a running grace short: a second rotation with a grace is 409; graceSeconds 0 keeps only the new secret', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'rotation in grace' });
      const first = await rotate(created, { graceSeconds: 3600 });
      assert.equal(first.status, 200);
      const second = await rotate(created, { graceSeconds: 60 });
      assert.equal(second.status, 409);
      assert.equal(second.body.code, 'ROTATION_IN_GRACE');
      assert.ok(second.body.message.includes(first.body.previousSecretExpiresAt), second.body.message);
      assert.match(second.body.message, /graceSeconds 0/);
      const read = await app.api('get', `/api/subscriptions/${created.id}`);
      assert.equal(read.body.previousSecretExpiresAt, first.body.previousSecretExpiresAt, 'the first grace is unchanged');
      assert.ok(await accepts(created, created.secret!), 'the first old secret still works');
      assert.ok(await accepts(created, first.body.secret), 'and the first new one');

      // The operator's way out (a secret that leaked): only the new secret from now on.
      const emergency = await rotate(created, { graceSeconds: 0 });
      assert.equal(emergency.status, 200);
      assert.equal(emergency.body.previousSecretExpiresAt, null);
      assert.ok(await accepts(created, emergency.body.secret));
      assert.equal(await accepts(created, first.body.secret), false);
      assert.equal(await accepts(created, created.secret!), false);
    });

    it('rotates again with a grace once the last grace has ended', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'rotation after grace' });
      const first = await rotate(created, { graceSeconds: 1 });
      assert.equal(first.status, 200);
      await sleep(Date.parse(first.body.previousSecretExpiresAt) - Date.now() + 100);
      const second = await rotate(created, { graceSeconds: 3600 });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.ok(await accepts(created, first.body.secret), 'the secret it replaced, in its own grace');
      assert.ok(await accepts(created, second.body.secret));
      assert.equal(await accepts(created, created.secret!), false, 'the first grace is over');
    });
  });

  describe('disable', () => {
    it('keeps the reason the operator gave first: a second disable answers 200 and changes nothing', async () => {
      const created = await createSubscription(app, { vendor: 'walnut', name: 'disabled twice' });
      const first = await app.api('post', `/api/subscriptions/${created.id}/disable`, { code: 'INCIDENT_42', message: 'leaked key, investigating' });
      assert.equal(first.status, 200);
      const second = await app.api('post', `/api/subscriptions/${created.id}/disable`, { code: 'CLEANUP', message: 'unused' });
      assert.equal(second.status, 200);
      for (const view of [second.body, (await app.api('get', `/api/subscriptions/${created.id}`)).body]) {
        assert.equal(view.status, 'DISABLED');
        assert.equal(view.disableReasonErrorCode, 'INCIDENT_42');
        assert.equal(view.disableReasonMessage, 'leaked key, investigating');
      }
      // Enabled and disabled again, the new reason is stored.
      assert.equal((await app.api('post', `/api/subscriptions/${created.id}/enable`)).status, 200);
      const again = await app.api('post', `/api/subscriptions/${created.id}/disable`, { code: 'CLEANUP', message: 'unused' });
      assert.equal(again.body.disableReasonErrorCode, 'CLEANUP');
    });

    it('keeps one reason when two disables race', async () => {
      const created: CreatedSubscription = await createSubscription(app, { vendor: 'walnut', name: 'disabled concurrently' });
      const answers = await Promise.all(['A', 'B', 'C'].map((code) => app.api('post', `/api/subscriptions/${created.id}/disable`, { code, message: `reason ${code}` })));
      const stored = (await app.api('get', `/api/subscriptions/${created.id}`)).body;
      assert.ok(['A', 'B', 'C'].includes(stored.disableReasonErrorCode));
      assert.equal(stored.disableReasonMessage, `reason ${stored.disableReasonErrorCode}`, 'code and message from the same call');
      for (const answer of answers) {
        assert.equal(answer.status, 200);
        assert.equal(answer.body.disableReasonErrorCode, stored.disableReasonErrorCode, 'every answer shows the reason that stayed');
      }
    });
  });
});
