import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { launchBrowser, signIn } from '../support/browser';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';

const TIMEOUT = 15_000;

describe("The console's events screen searched by payload, in a browser", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const ids: string[] = [];

  /** The event ids the table shows, newest first. */
  const shownIds = () => page.locator('tr.event-row td:first-child a').evaluateAll((links) => links.map((link) => (link.getAttribute('href') ?? '').split('/').pop()));

  async function searchFor(text: string) {
    await page.fill('#payload-search', text);
    await page.getByRole('button', { name: 'Apply' }).click();
  }

  before(async () => {
    app = await startTestApp();
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    for (const session of ['sess-a', 'sess-b', 'sess-c']) {
      const body = JSON.stringify({ event: 'demo_session_finished', timestamp: new Date().toISOString(), data: { demo: { id: 'd1' }, session_id: session, user: { plan: session === 'sess-a' ? 'gold' : 'free' } } });
      const response = await app.http().post(`/webhooks/walnut/${subscription.id}`).set('Content-Type', 'application/json').set('X-Walnut-Signature', walnutSignature(subscription.secret!, body)).send(body);
      assert.equal(response.status, 200);
      ids.push(response.body.eventId);
    }
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('finds an event by a JSON object or a path=value, and says what is wrong with a malformed search', async () => {
    await signIn(page, `${app.baseUrl}/console/`, TEST_API_TOKEN);
    await page.goto(`${app.baseUrl}/console/#/events`);
    await page.getByText('Following the feed').waitFor();
    assert.deepEqual(await shownIds(), [...ids].reverse());

    await searchFor('{"data":{"session_id":"sess-b"}}');
    await page.waitForFunction(() => document.querySelectorAll('tr.event-row').length === 1);
    assert.deepEqual(await shownIds(), [ids[1]]);

    await searchFor('data.user.plan=gold');
    await page.waitForFunction((id) => document.querySelector('tr.event-row td:first-child a')?.getAttribute('href')?.endsWith(`/${id}`), ids[0]);
    assert.deepEqual(await shownIds(), [ids[0]]);

    await searchFor('{"data":{"session_id":');
    await page.getByRole('alert').filter({ hasText: 'The search is not a JSON object' }).waitFor();
    assert.equal(await page.locator('#payload-search').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await shownIds(), [ids[0]], 'a malformed search leaves the last good one in place');

    await searchFor('data.session_id=no-such-session');
    await page.getByText('No events match').waitFor();
    assert.equal(await page.locator('#payload-search-error').isVisible(), false);

    await searchFor('');
    await page.waitForFunction(() => document.querySelectorAll('tr.event-row').length === 3);
    assert.deepEqual(problems, [], 'no errors in the browser console');
  });
});

// A global of the page, used only inside page.waitForFunction callbacks.
declare const document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): { getAttribute(name: string): string | null } | null };
