import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchBrowser, newConsolePage, signIn } from '../support/browser';
import { createDestination } from '../support/destinations';
import { TEST_API_TOKEN, startTestApp, type TestApp } from '../support/test-app';


/** A destination's URL form when it has static headers: any new URL, even on the same origin, needs them given again or dropped. */
describe("The console's URL form and static headers", () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    page = await newConsolePage(browser, pageErrors);
    await signIn(page, `${app.baseUrl}/console/`, TEST_API_TOKEN);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('offers to drop the headers for a new path of the same origin, and saves only then', async () => {
    const destination = await createDestination(app, { name: 'With headers', url: 'http://127.0.0.1:1/orders', headers: { 'X-Api-Key': 'key-0123456789' } });
    await page.goto(`${app.baseUrl}/console/#/destinations/${destination.id}`);
    const form = page.getByRole('form', { name: 'Name and URL' });
    const drop = form.getByRole('checkbox', { name: /Send no static headers \(X-Api-Key\) to the new URL/ });
    await form.locator('#edit-url').waitFor();
    assert.equal(await drop.count(), 0, 'nothing to decide while the URL is unchanged');

    await form.locator('#edit-url').fill('http://127.0.0.1:1/echo');
    await drop.waitFor();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').filter({ hasText: 'give them again with the new url' }).waitFor();
    assert.equal((await app.api('get', `/api/destinations/${destination.id}`)).body.url, 'http://127.0.0.1:1/orders', 'refused: unchanged');

    await drop.check();
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('dd code', { hasText: 'http://127.0.0.1:1/echo' }).waitFor();
    const saved = (await app.api('get', `/api/destinations/${destination.id}`)).body;
    assert.deepEqual([saved.url, saved.headerNames], ['http://127.0.0.1:1/echo', []]);
    assert.deepEqual(pageErrors.filter((text) => !/status of 400/.test(text)), [], 'no error but the refused save');
  });
});
