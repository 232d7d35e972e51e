import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/gateway-process';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';
import { CliScript } from '../support/cli-script';

/** The README's examples, run as written, do what the README says (or say why not). */
describe('README examples', () => {
  let app: TestApp;
  const scratch: string[] = [];
  const scripts: CliScript[] = [];

  function directory(): string {
    const dir = mkdtempSync(join(tmpdir(), 'readme-examples-'));
    scratch.push(dir);
    return dir;
  }

  function run(script: 'simulate' | 'forward', args: string[], env: Record<string, string>, cwd = directory()): CliScript {
    const started = new CliScript(script, args, { env, cwd });
    scripts.push(started);
    return started;
  }

  before(async () => {
    // simulate posts to the callback URL, so it must be this app's.
    const port = await freePort();
    app = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  });
  after(async () => {
    await Promise.all(scripts.map((script) => script.stop()));
    await app?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  describe('a placeholder pasted as the secret (`"<InsightArc webhook secret>"`)', () => {
    const placeholder = '<InsightArc webhook secret>';
    const refusal = /^secret looks like a placeholder \(<…>\), not a secret: give the secret itself/;

    it('is refused at creation, and nothing is stored', async () => {
      const [{ n: before }] = await app.query<{ n: string | number }>('SELECT count(*) AS n FROM subscriptions');
      for (const secret of [placeholder, ' <secret> ', '<whsec_…>']) {
        const response = await app.api('post', '/api/subscriptions', { vendor: 'insightarc', name: 'Drop-off signals', secret });
        assert.equal(response.status, 400, `${secret}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.code, 'VALIDATION_FAILED');
        assert.match(response.body.message, refusal, secret);
        assert.ok(!JSON.stringify(response.body).includes(secret.trim()), 'the value given is not echoed');
      }
      const [{ n: after }] = await app.query<{ n: string | number }>('SELECT count(*) AS n FROM subscriptions');
      assert.equal(Number(after), Number(before));
    });

    it('is refused by rotate-secret, and the secret stays as it was', async () => {
      const subscription = await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-1' });
      const [{ secret: stored }] = await app.query<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = $1', [subscription.id]);
      const response = await app.api('post', `/api/subscriptions/${subscription.id}/rotate-secret`, { secret: placeholder, graceSeconds: 0 });
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.match(response.body.message, refusal);
      const [{ secret: after }] = await app.query<{ secret: string }>('SELECT secret FROM subscriptions WHERE id = $1', [subscription.id]);
      assert.equal(after, stored);
    });

    it('does not refuse a real secret that merely contains < or >', async () => {
      for (const secret of ['a<b>c-secret', '<abcdefgh', 'abcdefgh>', '<a>b<c>d-secret']) {
        const response = await app.api('post', '/api/subscriptions', { vendor: 'insightarc', name: 'real', secret });
        assert.equal(response.status, 201, `${secret}: ${JSON.stringify(response.body)}`);
      }
    });
  });

  describe('npm run simulate', () => {
    async function visitorTracking() {
      // As the README's curl creates it: no "signature", so scheme token in X-Webhook-Signature.
      return createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISITOR'], requiredHeaders: { Authorization: 'Bearer platform-token' } });
    }
    const readmeLine = (url: string) => ['visitor-tracking', '--url', url, '--scheme', 'hmac-sha256', '--header', 'Authorization: Bearer platform-token'];

    it('says the scheme is why, when it signed with another than the subscription’s (read through the API)', async () => {
      const subscription = await visitorTracking();
      const simulate = run('simulate', readmeLine(subscription.callbackUrl), { WEBHOOK_SECRET: subscription.secret!, API_TOKEN: TEST_API_TOKEN });
      assert.equal(await simulate.exited, 1, simulate.text);
      assert.match(simulate.text, /FAIL POST .* HTTP 401/);
      assert.match(
        simulate.text,
        /^HINT The subscription expects scheme token in header X-Webhook-Signature; this was signed with scheme hmac-sha256 in header X-Webhook-Signature\. Run again with --scheme token\.$/m,
      );
      assert.doesNotMatch(simulate.text, /test event: destinations/, 'nothing was stored');
    });

    it('says what to compare when it cannot read the subscription (no API token at hand)', async () => {
      const subscription = await visitorTracking();
      const simulate = run('simulate', readmeLine(subscription.callbackUrl), { WEBHOOK_SECRET: subscription.secret!, DATA_DIR: directory() });
      assert.equal(await simulate.exited, 1, simulate.text);
      assert.match(simulate.text, /^HINT The gateway refused the signature\. This was signed with scheme hmac-sha256 in header X-Webhook-Signature: the scheme, the header and the secret must all be the subscription's\./m);
      assert.match(simulate.text, /default scheme token in header X-Webhook-Signature\); give them with --scheme and --signature-header/);
    });

    it('blames the secret when scheme and header are the subscription’s', async () => {
      const subscription = await visitorTracking();
      const args = ['visitor-tracking', '--url', subscription.callbackUrl, '--header', 'Authorization: Bearer platform-token'];
      const simulate = run('simulate', args, { WEBHOOK_SECRET: 'not-the-secret', API_TOKEN: TEST_API_TOKEN });
      assert.equal(await simulate.exited, 1, simulate.text);
      assert.match(simulate.text, /^HINT The scheme and header are the subscription's \(scheme token in header X-Webhook-Signature\), so the secret is not/m);
    });

    it('says an accepted event is a test event, which only destinations with includeTest get', async () => {
      const subscription = await visitorTracking();
      const args = ['visitor-tracking', '--url', subscription.callbackUrl, '--header', 'Authorization: Bearer platform-token'];
      const simulate = run('simulate', args, { WEBHOOK_SECRET: subscription.secret! });
      assert.equal(await simulate.exited, 0, simulate.text);
      assert.match(simulate.text, /^OK +POST .* → HTTP 200 in \d+ ms\n.*\n {5}test event: destinations with includeTest only$/m);
      const [row] = await app.query<{ is_test: boolean }>('SELECT is_test FROM webhook_events WHERE subscription_id = $1', [subscription.id]);
      assert.equal(row.is_test, true, 'what the line says is what was stored');
    });
  });

  describe('npm run forward', () => {
    let consumer: Server;
    let consumerUrl: string;
    let requests = 0;

    before(async () => {
      // A consumer verifying with a secret of its own: every forwarded request is refused.
      consumer = createServer((request, response) => {
        requests++;
        request.resume();
        request.on('end', () => response.writeHead(401, { 'Content-Type': 'text/plain' }).end('bad signature'));
      });
      await new Promise<void>((resolve) => consumer.listen(0, '127.0.0.1', resolve));
      consumerUrl = `http://127.0.0.1:${(consumer.address() as AddressInfo).port}/hooks`;
    });
    after(async () => {
      consumer.closeAllConnections();
      await new Promise((resolve) => consumer.close(resolve));
    });

    async function sendWalnut(): Promise<void> {
      const subscription = await createSubscription(app, { vendor: 'walnut' });
      const body = JSON.stringify({ event: 'demo_session_finished', timestamp: '2023-11-01T19:15:20.666248Z', data: { demo: { id: '7a8e73ec' }, session_id: `s-${randomBytes(4).toString('hex')}` } });
      const response = await app
        .http()
        .post(`/webhooks/walnut/${subscription.id}`)
        .set('Content-Type', 'application/json')
        .set('X-Walnut-Signature', walnutSignature(subscription.secret!, body))
        .send(body);
      assert.equal(response.status, 200, response.text);
    }

    it('says once, after the first 401, that the consumer refuses its signature and how to give it the right secret', async () => {
      await sendWalnut();
      const dataDir = directory();
      writeFileSync(join(dataDir, 'api-token'), `${TEST_API_TOKEN}\n`);
      const forward = run('forward', ['--to', consumerUrl, '--gateway', app.baseUrl, '--from', 'beginning', '--poll', '50'], { DATA_DIR: dataDir });
      const before = requests;
      await forward.waitFor(/FAIL .* HTTP 401[\s\S]*FAIL .* HTTP 401/);
      assert.equal(await forward.stop(), 0);
      assert.ok(requests - before >= 2, 'the event was retried');
      const hints = forward.text.match(/^HINT .*$/gm) ?? [];
      assert.equal(hints.length, 1, forward.text);
      assert.match(hints[0]!, new RegExp(`^HINT ${consumerUrl} answers 401: it refuses the signature`));
      assert.match(hints[0]!, /signed with the secret printed above \(kept in .*forward-cursor\.secret\)/);
      assert.match(hints[0]!, /set FORWARD_SECRET to the whsec_… secret your consumer verifies with/);
      assert.ok(forward.text.indexOf('HINT') > forward.text.indexOf('FAIL'), 'after the first refusal, not before');
    });

    it('keeps its position and generated secret in DATA_DIR, not in the working tree', async () => {
      const dataDir = directory();
      writeFileSync(join(dataDir, 'api-token'), `${TEST_API_TOKEN}\n`);
      const cwd = directory();
      const forward = run('forward', ['--to', consumerUrl, '--gateway', app.baseUrl, '--poll', '50'], { DATA_DIR: dataDir }, cwd);
      const generated = (await forward.waitFor(/Signing secret \(.*\): (whsec_\S+)/))[1];
      await forward.waitFor(/Starting at the end of the feed/);
      assert.equal(await forward.stop(), 0);
      assert.deepEqual(readdirSync(cwd), [], 'nothing written where it was run');
      assert.equal(readFileSync(join(dataDir, 'forward-cursor.secret'), 'utf8').trim(), generated);
      assert.equal(JSON.parse(readFileSync(join(dataDir, 'forward-cursor'), 'utf8')).gateway, app.baseUrl);
    });

    it('resumes from a .forward-cursor an earlier version left in the working tree', async () => {
      const dataDir = directory();
      writeFileSync(join(dataDir, 'api-token'), `${TEST_API_TOKEN}\n`);
      const cwd = directory();
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      writeFileSync(join(cwd, '.forward-cursor'), JSON.stringify({ gateway: app.baseUrl, cursor: null, after: null }));
      writeFileSync(join(cwd, '.forward-cursor.secret'), `${secret}\n`);
      const forward = run('forward', ['--to', consumerUrl, '--gateway', app.baseUrl, '--poll', '50'], { DATA_DIR: dataDir }, cwd);
      await forward.waitFor(/Resuming where it stopped \(.*\.forward-cursor\)/);
      assert.ok(forward.text.includes(secret), 'signs with the secret kept there');
      assert.match(forward.text, /Using .*\.forward-cursor \(and its \.secret\), kept there by an earlier version; move both to .*forward-cursor when convenient/);
      assert.equal(await forward.stop(), 0);
      assert.equal(existsSync(join(dataDir, 'forward-cursor')), false, 'no second position started');
    });
  });
});
