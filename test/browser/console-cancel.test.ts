import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser, newConsolePage, signIn } from '../support/browser';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { createSubscription } from '../support/subscriptions';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Cancel in the console: Cancel on a pending delivery (event page), a cancel by filter counted first
 * (destination page), `cancelled` shown, and Retry offered on a cancelled delivery. The destination is
 * paused, so its deliveries stay pending until the operator acts.
 */
describe('Cancel in the console', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let consumer: Server;
  let destinationId = '';
  const eventIds: string[] = [];
  const shots = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'console-cancel-'));
  let problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  function assertNoBrowserErrors() {
    const seen = problems;
    problems = [];
    assert.deepEqual(seen, [], 'no errors in the browser console');
  }
  async function open(hash: string) {
    await page.goto(`${app.baseUrl}/console/${hash}`);
    await page.locator('main').first().waitFor();
  }
  const states = async () =>
    (await app.query<{ event_id: string; state: string }>('SELECT event_id::text, state FROM deliveries WHERE destination_id = $1 ORDER BY event_id', [destinationId])).map(
      (row) => row.state,
    );

  before(async () => {
    app = await startTestApp({ DELIVERY_POLL_MS: '100' });
    consumer = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => consumer.listen(0, '127.0.0.1', resolve));
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    destinationId = (await createDestination(app, { name: 'Orders (paused)', url: `http://127.0.0.1:${(consumer.address() as AddressInfo).port}/hook` })).id;
    assert.equal((await app.api('post', `/api/destinations/${destinationId}/pause`)).status, 200);
    for (const tag of ['cancel-a', 'cancel-b', 'cancel-c']) eventIds.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(tag)));
    await waitFor('three deliveries queued', async () => (await states()).length === 3);

    browser = await launchBrowser();
    page = await newConsolePage(browser, problems);
    await signIn(page, `${app.baseUrl}/console/`, TEST_API_TOKEN);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => consumer?.close(resolve));
    await app?.close();
  });

  it("cancels a pending delivery from its event's page, which then shows it cancelled with Retry", async () => {
    await open(`#/events/${eventIds[0]}`);
    const row = page.locator('tr.delivery-row', { has: page.getByRole('link', { name: 'Orders (paused)' }) });
    await row.locator('.badge', { hasText: 'pending' }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Retry' }).count(), 0, 'a pending delivery is retried already');
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.locator('.badge', { hasText: 'cancelled' }).waitFor();
    await row.getByRole('button', { name: 'Retry' }).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Cancel' }).count(), 0, 'nothing left to cancel');
    assert.deepEqual(await states(), ['cancelled', 'pending', 'pending']);
    await shot('event-cancelled');
    assertNoBrowserErrors();
  });

  it("cancels a destination's pending deliveries by filter from its page, counted first, and retries one", async () => {
    await open(`#/destinations/${destinationId}`);
    const form = page.getByRole('form', { name: 'Cancel' });
    await form.getByRole('button', { name: 'Count' }).click();
    await form.getByText('2 pending deliveries would be cancelled.').waitFor();
    assert.deepEqual(await states(), ['cancelled', 'pending', 'pending'], 'counting changes nothing');
    await form.getByRole('button', { name: 'Cancel 2' }).click();
    await form.getByText('Cancelled 2.').waitFor();
    await waitFor('every row shown cancelled', async () => (await page.locator('tr.delivery-row .badge', { hasText: 'cancelled' }).count()) === 3);
    assert.deepEqual(await states(), ['cancelled', 'cancelled', 'cancelled']);
    assert.equal(await page.locator('tr.delivery-row').getByRole('button', { name: 'Cancel' }).count(), 0);
    await shot('destination-cancelled');

    await page.locator('tr.delivery-row').first().getByRole('button', { name: 'Retry' }).click();
    await page.locator('tr.delivery-row .badge', { hasText: 'pending' }).waitFor();
    assert.equal((await states()).filter((state) => state === 'pending').length, 1);
    assertNoBrowserErrors();
  });
});
