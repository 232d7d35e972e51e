import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser, newConsolePage } from '../support/browser';
import { Consumer } from '../support/consumer';
import { ingestWalnut, walnutBody } from '../support/delivery';
import { createDestination } from '../support/destinations';
import { freePort } from '../support/gateway-process';
import { createSubscription } from '../support/subscriptions';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/** Issue 19, item 4: the destination page shows each ordered subscription's blocked head; Skip (cancel) lets the line move on. */
describe('The console: blocked heads of an ordered destination', () => {
  let app: TestApp;
  let consumer: Consumer;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  before(async () => {
    const port = await freePort();
    // A long backoff: the head stays blocked until the operator acts.
    app = await startTestApp({ PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, DELIVERY_BACKOFF_BASE_SECONDS: '600', DELIVERY_POLL_MS: '100' });
    consumer = await Consumer.start();
    browser = await launchBrowser();
    page = await newConsolePage(browser, problems);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await consumer?.close();
  });

  it('shows the blocked head, sets the longest hold, and Skip lets the next events through', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const ids: string[] = [];
    consumer.respond = (hook) => (hook.id === ids[0] ? { status: 500, body: 'poisoned' } : { status: 200 });
    const destination = await createDestination(app, { name: 'ordered', url: consumer.url, ordering: 'subscription', filter: { subscriptionIds: [subscription.id] } });
    consumer.secrets = [destination.signingSecret];
    for (let n = 0; n < 3; n++) ids.push(await ingestWalnut(app.baseUrl, subscription, walnutBody(`console-head-${n}`)));
    await waitFor('the head tried', async () => consumer.of(ids[0]).length > 0);

    await page.goto(`${app.baseUrl}/console/#/destinations/${destination.id}`);
    await page.fill('#token', TEST_API_TOKEN);
    await page.click('button[type=submit]');
    const section = page.getByRole('region', { name: 'Blocked heads' });
    await section.getByRole('heading', { name: /Held subscriptions/ }).waitFor();
    const row = section.locator('tbody tr');
    await waitFor('the head listed', async () => {
      if ((await row.count()) === 1) return true;
      await section.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(200);
      return false;
    });
    assert.match(await row.innerText(), new RegExp(ids[0]));
    assert.match(await row.innerText(), /answered 500/);
    assert.equal(await row.getByRole('link', { name: ids[0], exact: true }).getAttribute('href'), `#/events/${ids[0]}`);
    for (const id of ids.slice(1)) assert.equal(consumer.of(id).length, 0, `event ${id} held back`);

    await page.fill('#edit-hold', '3600');
    await section.getByRole('button', { name: 'Save' }).click();
    await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await app.api('get', `/api/destinations/${destination.id}`)).body.orderingMaxHoldSeconds, 3600);
    await page.getByText('longest hold 3600 s').waitFor();

    await row.getByRole('button', { name: 'Skip (cancel)' }).click();
    await row.getByRole('button', { name: 'Yes, skip (cancel)' }).click();
    for (const id of ids.slice(1)) await waitFor(`event ${id} delivered`, async () => consumer.of(id).length > 0);
    const order = consumer.received.map((hook) => hook.id).filter((id) => ids.slice(1).includes(id));
    assert.deepEqual(order, ids.slice(1), 'in order');
    const [head] = await app.query<{ state: string }>(`SELECT state FROM deliveries WHERE destination_id = $1 AND event_id = $2`, [destination.id, ids[0]]);
    assert.equal(head.state, 'cancelled');
    await section.getByText('No subscription is held back').waitFor();
    assert.deepEqual(problems, [], 'no errors in the browser console');
  });
});
