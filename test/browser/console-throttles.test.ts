import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser, newConsolePage, signIn } from '../support/browser';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';


/** A destination that only ever throttles: the console shows the throttles apart from the attempts. */
describe('Throttles in the console', () => {
  let app: TestApp;
  let consumer: Consumer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let destinationId = '';
  let eventId = '';

  before(async () => {
    // Events older than 2 s are given up, so the throttled delivery ends within seconds.
    app = await startTestApp({ DELIVERY_POLL_MS: '50', DELIVERY_MAX_AGE_SECONDS: '2' });
    consumer = await Consumer.start();
    consumer.respond = () => ({ status: 429, headers: { 'retry-after': '1' } });
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    destinationId = (await createDestination(app, { name: 'Throttling', url: consumer.url, filter: { subscriptionIds: [subscription.id] } })).id;
    eventId = await ingestWalnut(app.baseUrl, subscription, walnutBody('console-throttles'));
    await waitFor(
      'the throttled delivery given up',
      async () => (await app.query<{ state: string }>('SELECT state FROM deliveries WHERE destination_id = $1', [destinationId]))[0]?.state === 'failed',
      15_000,
    );
    browser = await launchBrowser();
    page = await newConsolePage(browser, pageErrors);
    await signIn(page, `${app.baseUrl}/console/`, TEST_API_TOKEN);
  });
  after(async () => {
    await browser?.close();
    await consumer?.close();
    await app?.close();
  });

  it("shows a delivery's throttles beside its attempts and in its log, and the destination's in its health", async () => {
    const [{ throttles }] = await app.query<{ throttles: number }>('SELECT throttles FROM deliveries WHERE destination_id = $1', [destinationId]);
    assert.ok(throttles >= 2, `throttled more than once: ${throttles}`);

    await page.goto(`${app.baseUrl}/console/#/events/${eventId}`);
    const row = page.locator('tr.delivery-row', { has: page.getByRole('link', { name: 'Throttling' }) });
    await row.locator('td.num', { hasText: `0 +${throttles} throttled` }).waitFor();
    await row.getByRole('button', { name: 'Attempts' }).click();
    await page.locator('li.attempt').first().waitFor();
    const entries = await page.locator('li.attempt').allTextContents();
    assert.equal(entries.length, throttles);
    assert.ok(entries.every((entry) => /429 \(throttled\) in \d+ ms/.test(entry)), JSON.stringify(entries));

    await page.goto(`${app.baseUrl}/console/#/destinations/${destinationId}`);
    await page.locator('.health-line', { hasText: `${throttles} throttled (429/503 with Retry-After)` }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
