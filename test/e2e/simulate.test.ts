import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/gateway-process';
import { REPO_ROOT } from '../support/paths';
import { createSubscription, feedOf } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';
import { VendorRegistry } from '../../src/subscriptions/vendor-registry';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';

/** Runs `npm run simulate -- …` as its built script, the way an operator would. */
function simulate(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'simulate.js'), ...args], {
    env: { ...process.env, WEBHOOK_SECRET: '', ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('npm run simulate', () => {
  let app: TestApp;
  before(async () => {
    const port = await freePort();
    app = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  });
  after(async () => app?.close());

  it('knows the vendors the app serves', () => {
    assert.deepEqual(definitionsOf(VENDORS).map((vendor) => vendor.name).sort(), app.app.get(VendorRegistry).names());
  });

  it('sends a signed Walnut sample that is stored as a test event', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const { code, output } = await simulate(['walnut', '--url', subscription.callbackUrl, '--secret', subscription.secret!]);
    assert.equal(code, 0, output);
    assert.match(output, /^OK +POST .* → HTTP 200 in \d+ ms/m);
    const [event] = await feedOf(app, subscription.id, 1);
    assert.equal(event.isTest, true);
    assert.equal(event.eventType, 'demo_session_finished');
  });

  it('does InsightArc’s HEAD check, then signs over the registered URL', async () => {
    const subscription = await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-1' });
    const { code, output } = await simulate(['insightarc', '--url', subscription.callbackUrl, '--secret', 'insightarc-secret-1']);
    assert.equal(code, 0, output);
    assert.match(output, /^OK +HEAD .* → HTTP 200/m);
    assert.match(output, /^OK +POST .* → HTTP 200/m);
    assert.equal((await app.api('get', `/api/subscriptions/${subscription.id}`)).body.status, 'ACTIVE');
  });

  it('authenticates visitor-tracking as configured: HMAC scheme, custom header name, required headers', async () => {
    const subscription = await createSubscription(app, {
      vendor: 'visitor-tracking',
      eventTypes: ['NEW_VISITOR'],
      signature: { header: 'X-Signature', scheme: 'hmac-sha256' },
      requiredHeaders: { Authorization: 'Bearer platform-token' },
    });
    const args = ['visitor-tracking', '--url', subscription.callbackUrl, '--secret', subscription.secret!, '--signature-header', 'X-Signature', '--scheme', 'hmac-sha256'];
    const missingHeader = await simulate(args);
    assert.equal(missingHeader.code, 1);
    assert.match(missingHeader.output, /FAIL POST .* HTTP 401/);
    assert.match(missingHeader.output, /REQUIRED_HEADER_MISSING/);
    const ok = await simulate([...args, '--header', 'Authorization: Bearer platform-token']);
    assert.equal(ok.code, 0, ok.output);
  });

  it('takes the secret from WEBHOOK_SECRET or standard input, so that it need not be on a command line', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const fromEnv = await simulate(['walnut', '--url', subscription.callbackUrl], { env: { WEBHOOK_SECRET: subscription.secret! } });
    assert.equal(fromEnv.code, 0, fromEnv.output);
    const fromStdin = await simulate(['walnut', '--url', subscription.callbackUrl, '--secret-stdin'], { stdin: `${subscription.secret}\n` });
    assert.equal(fromStdin.code, 0, fromStdin.output);
    const wrongOnStdin = await simulate(['walnut', '--url', subscription.callbackUrl, '--secret-stdin'], { stdin: 'not-the-secret\n' });
    assert.equal(wrongOnStdin.code, 1, 'what came on stdin is what was used');
    assert.match(wrongOnStdin.output, /SIGNATURE_INVALID/);
    const none = await simulate(['walnut', '--url', subscription.callbackUrl]);
    assert.equal(none.code, 2);
    assert.match(none.output, /Give the secret: WEBHOOK_SECRET, --secret-stdin or --secret/);
  });

  it('fails with the gateway’s reason against a misconfigured setup, and explains its usage', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const wrongSecret = await simulate(['walnut', '--url', subscription.callbackUrl, '--secret', 'not-the-secret']);
    assert.equal(wrongSecret.code, 1);
    assert.match(wrongSecret.output, /FAIL POST .* HTTP 401/);
    assert.match(wrongSecret.output, /SIGNATURE_INVALID/);
    const unreachable = await simulate(['walnut', '--url', `http://127.0.0.1:${await freePort()}/webhooks/walnut/x`, '--secret', 'abc']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.output, /ECONNREFUSED/);
    const usage = await simulate(['nosuchvendor', '--url', 'http://x', '--secret', 'y']);
    assert.equal(usage.code, 2);
    assert.match(usage.output, /Unknown vendor "nosuchvendor"/);
    assert.match(usage.output, /Usage: .*npm run simulate/);
  });
});
