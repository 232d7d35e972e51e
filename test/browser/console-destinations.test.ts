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

// Globals of the page, used only inside page.evaluate callbacks.
interface PageElement {
  scrollWidth: number;
  clientWidth: number;
  tagName: string;
  className: string;
  getBoundingClientRect(): { right: number };
  closest(selector: string): PageElement | null;
}
declare const document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): ArrayLike<PageElement> };

/**
 * Destinations in the console as an operator meets them: health that tells a failing destination
 * from a working one, deliveries naming their destination, Retry only where it helps, editing and
 * deleting from a destination's page, and tables that fit a phone. One browser for the file, the
 * tests in order.
 */
describe('Destinations in the console', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let consumer: Server;
  let consumerBase = '';
  let down = '';
  let up = '';
  let eventId = '';
  const shots = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'console-destinations-'));
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
  const state = async (destinationId: string) =>
    (await app.query<{ state: string }>('SELECT state FROM deliveries WHERE destination_id = $1 AND event_id = $2', [destinationId, eventId]))[0]?.state;

  before(async () => {
    app = await startTestApp({ DELIVERY_BACKOFF_BASE_SECONDS: '1', DELIVERY_POLL_MS: '100', DELIVERY_MAX_ATTEMPTS: '2' });
    // /down always fails, anything else answers 200.
    consumer = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/down' ? 500 : 200, { 'Content-Type': 'text/plain' }).end(req.url === '/down' ? 'down' : 'ok'));
    });
    await new Promise<void>((resolve) => consumer.listen(0, '127.0.0.1', resolve));
    consumerBase = `http://127.0.0.1:${(consumer.address() as AddressInfo).port}`;
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    down = (await createDestination(app, { name: 'Billing (down)', url: `${consumerBase}/down` })).id;
    up = (await createDestination(app, { name: 'Orders (up)', url: `${consumerBase}/up` })).id;
    eventId = await ingestWalnut(app.baseUrl, subscription, walnutBody('console-destinations'));
    await waitFor('one delivery failed for good, the other delivered', async () => (await state(down)) === 'failed' && (await state(up)) === 'delivered', 30_000);

    browser = await launchBrowser();
    page = await newConsolePage(browser, problems);
    await signIn(page, `${app.baseUrl}/console/`, TEST_API_TOKEN);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => consumer?.close(resolve));
    await app?.close();
  });

  it('shows a destination whose attempts all fail as failing, not as a green "active"', async () => {
    await open('#/destinations');
    const downRow = page.locator('tr', { has: page.getByRole('link', { name: 'Billing (down)' }) });
    const upRow = page.locator('tr', { has: page.getByRole('link', { name: 'Orders (up)' }) });
    await downRow.locator('.badge-bad', { hasText: 'failing' }).waitFor();
    assert.match((await downRow.locator('.health-line').textContent()) ?? '', /0 of 2 succeeded in the last 1h \(0%\) · no success in the last 1h · 2 failures in a row/);
    await upRow.locator('.badge-ok', { hasText: 'healthy' }).waitFor();
    assert.equal(await page.locator('.badge', { hasText: 'active' }).count(), 0, 'no "active" badge claims anything about health');
    await shot('destinations-health');

    await open('');
    await page.locator('tr', { has: page.getByRole('link', { name: 'Billing (down)' }) }).locator('.badge', { hasText: 'failing' }).waitFor();

    await open(`#/destinations/${down}`);
    await page.locator('h1 .badge-bad', { hasText: 'failing' }).waitFor();
    await page.getByText('no success in the last 1h').waitFor();
    assertNoBrowserErrors();
  });

  it("names each delivery's destination on the event's page, with Retry only on the one that failed", async () => {
    await open(`#/events/${eventId}`);
    const downRow = page.locator('tr.delivery-row', { has: page.getByRole('link', { name: 'Billing (down)' }) });
    const upRow = page.locator('tr.delivery-row', { has: page.getByRole('link', { name: 'Orders (up)' }) });
    await downRow.waitFor();
    assert.equal(await downRow.getByRole('link', { name: 'Billing (down)' }).getAttribute('href'), `#/destinations/${down}`);
    assert.equal(await upRow.getByRole('link', { name: 'Orders (up)' }).getAttribute('href'), `#/destinations/${up}`);
    await downRow.locator('.badge', { hasText: 'failed' }).waitFor();
    await upRow.locator('.badge', { hasText: 'delivered' }).waitFor();
    assert.equal(await downRow.getByRole('button', { name: 'Retry' }).count(), 1, 'a failed delivery can be retried');
    assert.equal(await upRow.getByRole('button', { name: 'Retry' }).count(), 0, 'a delivered one has nothing to retry');
    await shot('event-deliveries');
    assertNoBrowserErrors();
  });

  it('fits a phone: at 390 px no page scrolls sideways, a wide table scrolls in its own box', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const hash of [`#/events/${eventId}`, '#/destinations', `#/destinations/${down}`, '']) {
        await open(hash);
        await page.locator('table').first().waitFor();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        // What sticks out, named, so a failure says where to look (inside a scrolling box is fine).
        const outside = await page.evaluate(() =>
          Array.from(document.querySelectorAll('main *'))
            .filter((element) => element.getBoundingClientRect().right > 390 && !element.closest('.table-wrap'))
            .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
        );
        assert.ok(width <= 390, `${hash || 'the overview'} is ${width}px wide: ${outside.slice(0, 8).join(', ')}`);
      }
      await open(`#/events/${eventId}`);
      await page.locator('tr.delivery-row').first().waitFor();
      const boxes = await page.evaluate(() => Array.from(document.querySelectorAll('.table-wrap'), (box) => ({ scrollWidth: box.scrollWidth, clientWidth: box.clientWidth })));
      assert.ok(boxes.some((box) => box.scrollWidth > box.clientWidth && box.clientWidth <= 390), `a table scrolls inside its box: ${JSON.stringify(boxes)}`);
      await shot('event-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    assertNoBrowserErrors();
  });

  it("edits a destination's URL and deletes it from its page, Delete apart from the everyday actions and confirmed first", async () => {
    await open(`#/destinations/${down}`);
    await page.locator('#edit-url').fill(`${consumerBase}/fixed`);
    await page.getByRole('form', { name: 'Name and URL' }).getByRole('button', { name: 'Save' }).click();
    await page.locator('dd code', { hasText: `${consumerBase}/fixed` }).waitFor();
    assert.equal((await app.api('get', `/api/destinations/${down}`)).body.url, `${consumerBase}/fixed`);

    const actions = page.locator('section', { has: page.getByRole('heading', { name: 'Actions' }) });
    assert.equal(await actions.getByRole('button', { name: /Delete/ }).count(), 0, 'not among the everyday buttons');
    const danger = page.locator('section.danger-zone');
    await danger.getByRole('button', { name: 'Delete destination' }).click();
    await danger.getByText('cannot be undone').waitFor();
    assert.equal((await app.api('get', `/api/destinations/${down}`)).status, 200, 'nothing deleted before the confirmation');
    await shot('destination-delete-confirm');
    await danger.getByRole('button', { name: 'Yes, delete destination' }).click();
    await page.getByText('Deleted: nothing more is sent to it').waitFor();
    assert.equal((await app.api('get', `/api/destinations/${down}`)).status, 404);

    // Its delivery stays on the event's page, named, marked deleted, with no link to a page that is gone.
    await open(`#/events/${eventId}`);
    const row = page.locator('tr.delivery-row', { hasText: 'Billing (down)' });
    await row.locator('.badge', { hasText: 'deleted' }).waitFor();
    assert.equal(await row.getByRole('link', { name: 'Billing (down)' }).count(), 0);
    assertNoBrowserErrors();
  });

  it('keeps Delete of a subscription apart from its everyday actions too', async () => {
    const subscriptions = (await app.api('get', '/api/subscriptions')).body.data;
    await open(`#/subscriptions/${subscriptions[0].id}`);
    await page.getByRole('button', { name: 'Send test event' }).waitFor();
    const actions = page.locator('section', { has: page.getByRole('heading', { name: 'Actions' }) });
    assert.equal(await actions.getByRole('button', { name: /Delete/ }).count(), 0);
    await page.locator('section.danger-zone').getByRole('button', { name: 'Delete subscription' }).waitFor();
    assertNoBrowserErrors();
  });

  it("keeps the overview's chart low when only a few minutes had events", async () => {
    await open('');
    await page.locator('.chart svg polyline').first().waitFor();
    const box = await page.locator('.chart svg').boundingBox();
    assert.ok(box && box.height < box.width / 8, `a low strip: ${JSON.stringify(box)}`);
    await shot('overview-sparse');
    assertNoBrowserErrors();
  });
});
