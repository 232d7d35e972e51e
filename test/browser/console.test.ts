import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser, newConsolePage } from '../support/browser';
import { freePort } from '../support/gateway-process';
import { walnutSignature } from '../support/signing';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

// Globals of the page, used only inside page.evaluate callbacks.
declare const sessionStorage: { getItem(key: string): string | null };
declare const document: { documentElement: { scrollWidth: number }; activeElement: { textContent: string | null } | null };

/**
 * The operator console in a real browser against the real app and PostgreSQL: one browser and one
 * page for the file, the tests in order (each starts from where the last left the page).
 */
describe('The operator console in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let consumer: Server;
  let consumerUrl: string;
  /** Answers of the consumer, in order: the failing destination test fails it first, then lets it succeed. */
  const consumerAnswers: number[] = [];
  // CONSOLE_SCREENSHOTS: keep them somewhere to look at (README's picture is console/screenshots/overview.png).
  const shots = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'console-screens-'));
  /** Errors in the browser's console (and uncaught page errors) since the last check. */
  let problems: string[] = [];
  let subscriptionId = '';
  let secret = '';

  const url = (hash = '') => `${app.baseUrl}/console/${hash}`;
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  /** No error in the browser since the last call (`expected`: messages this step causes on purpose). */
  function assertNoBrowserErrors(expected: RegExp[] = []) {
    const unexpected = problems.filter((text) => !expected.some((pattern) => pattern.test(text)));
    problems = [];
    assert.deepEqual(unexpected, [], 'no errors in the browser console');
  }
  async function open(hash: string) {
    await page.goto(url(hash));
    await page.locator('main').first().waitFor();
  }
  function sendWalnut(body: string, signature: string) {
    return app.http().post(`/webhooks/walnut/${subscriptionId}`).set('Content-Type', 'application/json').set('X-Walnut-Signature', signature).send(body);
  }

  before(async () => {
    const port = await freePort();
    app = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '100', DELIVERY_MAX_ATTEMPTS: '2' });
    consumer = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // Only the flaky destination's path answers from the queue: another destination on /hook
        // receives the same events and must not use its answers up.
        const status = req.url === '/flaky' ? (consumerAnswers.shift() ?? 200) : 200;
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'consumer is down');
      });
    });
    await new Promise<void>((resolve) => consumer.listen(0, '127.0.0.1', resolve));
    consumerUrl = `http://127.0.0.1:${(consumer.address() as AddressInfo).port}/hook`;
    browser = await launchBrowser();
    page = await newConsolePage(browser, problems);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => consumer?.close(resolve));
    await app?.close();
  });

  it('refuses a wrong token saying so, then signs in with the right one, which no URL carries', async () => {
    await open('');
    await shot('sign-in');
    await page.fill('#token', 'not-the-token-0123456789');
    await page.click('button[type=submit]');
    await page.getByRole('alert').filter({ hasText: 'Wrong token' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gateway.apiToken')), null);
    // The refused check itself is the one error the browser logs here.
    assertNoBrowserErrors([/401/]);

    await page.fill('#token', TEST_API_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('No subscriptions yet').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gateway.apiToken')), TEST_API_TOKEN);
    assert.ok(!page.url().includes(TEST_API_TOKEN));
    assertNoBrowserErrors();
  });

  it('creates a Walnut subscription and shows its secret once', async () => {
    await page.selectOption('#new-vendor', 'walnut');
    await page.fill('#new-name', 'Demo sessions');
    await page.getByRole('button', { name: 'Create' }).click();
    const shown = page.locator('.secret-value');
    await shown.waitFor();
    secret = (await shown.textContent()) ?? '';
    assert.match(secret, /^.{16,}$/);
    await page.getByText('shown this once').waitFor();
    const link = page.getByRole('link', { name: 'Demo sessions' }).first();
    subscriptionId = ((await link.getAttribute('href')) ?? '').split('/').pop() ?? '';
    // The secret shown is the subscription's: a delivery signed with it is accepted.
    const body = JSON.stringify({ event: 'demo_session_finished', timestamp: '2023-11-01T19:15:20.666Z', data: { demo: { id: 'd1' }, session_id: 's1' } });
    assert.equal((await sendWalnut(body, walnutSignature(secret, body))).status, 200);
    await open(`#/subscriptions/${subscriptionId}`);
    await page.locator('#callback-url').waitFor();
    assert.equal(await page.locator('#callback-url').textContent(), `${app.baseUrl}/webhooks/walnut/${subscriptionId}`);
    // Walnut's setup steps, as its definition gives them: the URL as code, what to click emphasised.
    await page.locator('ol li code', { hasText: `${app.baseUrl}/webhooks/walnut/${subscriptionId}` }).waitFor();
    await page.locator('ol li em', { hasText: 'Settings → Webhooks → New webhook' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sync' }).count(), 0, 'no Sync for a vendor that keeps no status');
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
    await open('');
    await page.getByRole('link', { name: 'Demo sessions' }).waitFor();
    assert.ok(!(await page.content()).includes(secret));
    assertNoBrowserErrors();
  });

  it('shows a test event arriving in the live tail', async () => {
    await open('#/events');
    await page.getByText('Following the feed').waitFor();
    const before = await page.locator('tr.event-row').count();
    await open(`#/subscriptions/${subscriptionId}`);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText('Test event delivered').waitFor();
    await shot('subscription');
    await open('#/events');
    await page.getByText('Following the feed').waitFor();
    assert.equal(await page.locator('tr.event-row').count(), before + 1);
    // And one that arrives while the tail is open.
    const response = await app.api('post', `/api/subscriptions/${subscriptionId}/test-event`);
    assert.equal(response.body.ok, true, JSON.stringify(response.body));
    await waitFor('the tail to show the new event', async () => (await page.locator('tr.event-row').count()) === before + 2);
    assert.equal(await page.locator('tr.event-row').first().locator('.badge', { hasText: 'test' }).count(), 1);
    await shot('events');
    assertNoBrowserErrors();
  });

  it('shows a refused delivery as a rejection with its code and reason', async () => {
    const body = '{"event":"demo_session_finished"}';
    assert.equal((await sendWalnut(body, walnutSignature('a-wrong-secret', body))).status, 401);
    await waitFor('the rejection on the subscription page', async () => {
      await open(`#/subscriptions/${subscriptionId}`);
      await page.getByRole('heading', { name: 'Recent rejections' }).waitFor();
      return (await page.locator('tr.rejection').count()) > 0;
    });
    const row = page.locator('tr.rejection').first();
    assert.match((await row.textContent()) ?? '', /401.*SIGNATURE_INVALID/);
    assertNoBrowserErrors();
  });

  it('disables with a reason and enables again, changing the badge', async () => {
    await page.fill('#disable-reason', 'Walnut key leaked');
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('h1 .badge', { hasText: 'DISABLED' }).waitFor();
    await page.getByText('Walnut key leaked').waitFor();
    await open('');
    await page.locator('td .badge', { hasText: 'DISABLED' }).waitFor();
    await page.getByText('Walnut key leaked').waitFor();
    await open(`#/subscriptions/${subscriptionId}`);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('h1 .badge', { hasText: 'ACTIVE' }).waitFor();
    assertNoBrowserErrors();
  });

  it('shows the validation errors of a quarantined event', async () => {
    const body = JSON.stringify({ event: 'demo_session_finished', timestamp: 'not a time' });
    const response = await sendWalnut(body, walnutSignature(secret, body));
    assert.equal(response.body.quarantined, true, JSON.stringify(response.body));
    await open(`#/events/${response.body.eventId}`);
    await page.getByRole('heading', { name: 'Validation errors' }).waitFor();
    assert.ok((await page.locator('.validation-errors li').count()) > 0);
    await page.getByRole('heading', { name: /Raw body \(UTF-8 text\)/ }).waitFor();
    assert.equal(await page.locator('pre.raw').textContent(), body);
    await shot('event');
    assertNoBrowserErrors();
  });

  it('creates a destination showing its signing secret once, and replays with the dry-run count first', async () => {
    await open('#/destinations');
    await page.getByText('No destinations yet').waitFor();
    await page.fill('#dest-name', 'Orders service');
    await page.fill('#dest-url', consumerUrl);
    await page.getByRole('button', { name: 'Add' }).click();
    await page.locator('.secret-value').waitFor();
    assert.match((await page.locator('.secret-value').textContent()) ?? '', /^whsec_/);
    await shot('destinations');
    await page.getByRole('link', { name: 'Orders service' }).first().click();
    await page.getByRole('heading', { name: /Orders service/ }).waitFor();
    await page.getByRole('button', { name: 'Send test ping' }).click();
    await page.getByText('Ping answered').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('h1 .badge', { hasText: 'paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    // The heading's badge is the destination's health; none attempted yet here.
    await page.locator('h1 .badge', { hasText: /^(idle|healthy)$/ }).waitFor();
    await page.getByRole('form', { name: 'Replay' }).getByRole('button', { name: 'Count' }).click();
    // The accepted Walnut events stored above (the quarantined one is not in the default filter).
    await page.getByText(/[1-9]\d* events? would be sent again/).waitFor();
    await shot('destination');
    assertNoBrowserErrors();
  });

  it("shows a failing destination's attempts, then a retry that succeeds", async () => {
    consumerAnswers.push(503, 503);
    const created = await app.api('post', '/api/destinations', { name: 'Flaky consumer', url: consumerUrl.replace(/\/hook$/, '/flaky'), filter: { includeTest: true } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const body = JSON.stringify({ event: 'demo_session_finished', timestamp: '2023-11-02T10:00:00.000Z', data: { demo: { id: 'd2' }, session_id: 's2' } });
    assert.equal((await sendWalnut(body, walnutSignature(secret, body))).status, 200);
    await open(`#/destinations/${created.body.id}`);
    // DELIVERY_MAX_ATTEMPTS is 2 here: after two 503s the delivery is failed, and only the Retry
    // button can bring it back (the consumer answers 200 from then on).
    await waitFor('the delivery failed after two attempts, in the console', async () => {
      // As an operator would: the page's Refresh (opening the same address again reloads nothing).
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('tr.delivery-row').first().waitFor({ timeout: 1_000 });
      const row = page.locator('tr.delivery-row').first();
      return Number(await row.locator('td.num').first().textContent()) === 2 && (await row.locator('.badge', { hasText: 'failed' }).count()) === 1 && row;
    }, 60_000, 500);
    await page.getByRole('button', { name: 'Attempts' }).first().click();
    await page.locator('.attempt', { hasText: '503' }).first().waitFor();
    await page.getByRole('button', { name: 'Retry' }).first().click();
    await waitFor('the retried delivery to be delivered', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await page.locator('tr.delivery-row .badge', { hasText: 'delivered' }).count()) > 0;
    }, 30_000, 500);
    assertNoBrowserErrors();
  });

  it('shows the InsideView alert queue with an empty state that says what to do', async () => {
    await open('#/alerts');
    await page.getByText('No alerts').waitFor();
    await shot('alerts');
    assertNoBrowserErrors();
  });

  it('draws the events-per-minute chart from the stats API', async () => {
    await open('');
    await page.locator('.chart svg polyline').first().waitFor();
    assert.match((await page.locator('.chart figcaption').textContent()) ?? '', /walnut \(\d+\)/);
    assert.equal(await page.getByText('Loading').count(), 0);
    await shot('overview');
    assertNoBrowserErrors();
  });

  it('is keyboard reachable: the screens are links reached with Tab', async () => {
    await open('');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    for (let presses = 0; presses < 10; presses += 1) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Events') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    assertNoBrowserErrors();
  });

  it('fits a phone: the overview at 390 px wide scrolls no page sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open('');
    await page.getByRole('link', { name: 'Demo sessions' }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `page is ${width}px wide`);
    await shot('overview-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    assertNoBrowserErrors();
  });

  it('signs out and forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gateway.apiToken')), null);
    assertNoBrowserErrors();
  });
});
