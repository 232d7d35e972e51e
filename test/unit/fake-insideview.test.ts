import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeInsideView, SAMPLE_ALERT_PAGES } from '../fakes/fake-insideview';
import { freePort } from '../support/gateway-process';
import { REPO_ROOT } from '../support/paths';

/** A stand-in for the gateway's webhook endpoint, answering with whatever the current test sets. */
class WebhookStub {
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = (_req, res) => res.end();
  readonly received: Array<{ method: string; headers: IncomingMessage['headers']; rawHeaders: string[]; body: Buffer }> = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookStub> {
    const server = createServer();
    const stub = new WebhookStub(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        stub.received.push({ method: req.method!, headers: req.headers, rawHeaders: req.rawHeaders, body });
        stub.handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return stub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/insideview/x`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('Fake InsideView', () => {
  let fake: FakeInsideView;
  let stub: WebhookStub;
  let token: string;

  const form = (fields: Record<string, string>) => new URLSearchParams(fields);
  async function api(method: string, path: string, init: { body?: URLSearchParams | string; headers?: Record<string, string> } = {}) {
    const response = await fetch(fake.apiUrl + path, {
      method,
      body: init.body,
      headers: { accessToken: token, Accept: 'application/json', ...init.headers },
    });
    const text = await response.text();
    let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  }
  async function getToken(fields: Record<string, string> = { clientId: fake.clientId, clientSecret: fake.clientSecret, grantType: 'cred' }) {
    const response = await fetch(fake.tokenUrl, { method: 'POST', body: form(fields), headers: { Accept: 'application/json' } });
    return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  async function createSubscription(fields: Record<string, string> = {}): Promise<string> {
    const answer = await api('POST', '/subscription', {
      body: form({ subscriptionType: 'company', companyIds: '1,2,3', webhook: stub.url, signingSecret: 's3cret', ...fields }),
    });
    assert.equal(answer.status, 200, answer.text);
    return answer.body.subscriptionId as string;
  }

  before(async () => {
    fake = await FakeInsideView.start();
    stub = await WebhookStub.start();
  });
  after(async () => {
    await fake.close();
    await stub.close();
  });
  beforeEach(async () => {
    fake.clearFailures();
    fake.tokenLifetimeSeconds = 3600;
    stub.handler = (_req, res) => res.end();
    token = (await getToken()).body.accessTokenDetails.accessToken;
  });

  it('listens on loopback and names its URLs', () => {
    assert.match(fake.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(fake.apiUrl, `${fake.baseUrl}/api/v1`);
    assert.equal(fake.tokenUrl, `${fake.baseUrl}/Auth/login/v1/token.json`);
  });

  it('issues tokens for form or JSON credentials and refuses wrong ones', async () => {
    const before = fake.issuedTokens();
    fake.tokenLifetimeSeconds = 120;
    const started = Date.now();
    const ok = await getToken();
    assert.equal(ok.status, 200);
    const details = ok.body.accessTokenDetails;
    assert.equal(details.tokenType, 'bearer');
    assert.ok(details.accessToken.length >= 20);
    assert.match(details.expirationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const expires = Date.parse(details.expirationTime);
    assert.ok(expires >= started + 119_000 && expires <= Date.now() + 121_000);

    const json = await fetch(fake.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: fake.clientId, clientSecret: fake.clientSecret, grantType: 'cred' }),
    });
    assert.equal(json.status, 200);

    const wrong = await getToken({ clientId: fake.clientId, clientSecret: 'nope', grantType: 'cred' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { message: 'Invalid client credentials', errorCode: '401-1001' });
    assert.equal((await getToken({ clientId: fake.clientId, clientSecret: fake.clientSecret })).status, 400, 'grantType is required');
    assert.equal(fake.issuedTokens(), before + 2);
  });

  it('requires a valid, unexpired accessToken header on the API', async () => {
    const id = await createSubscription();
    assert.equal((await api('GET', `/subscription/${id}`)).status, 200);
    for (const headers of [{ accessToken: '' }, { accessToken: 'made-up' }]) {
      const answer = await api('GET', `/subscription/${id}`, { headers });
      assert.equal(answer.status, 401);
      assert.match(answer.body.errorCode, /^401-/);
      assert.equal(typeof answer.body.message, 'string');
    }
    const bearer = await fetch(`${fake.apiUrl}/subscription/${id}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    assert.equal(bearer.status, 401, 'the token goes in the accessToken header, not Authorization');

    fake.tokenLifetimeSeconds = 0.05;
    token = (await getToken()).body.accessTokenDetails.accessToken;
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal((await api('GET', `/subscription/${id}`)).status, 401, 'expired');

    token = fake.issueToken();
    assert.equal((await api('GET', `/subscription/${id}`)).status, 200, 'a pre-issued token works');
    fake.expireTokens();
    assert.equal((await api('GET', `/subscription/${id}`)).status, 401);
  });

  it('answers XML unless Accept includes application/json', async () => {
    const id = await createSubscription();
    for (const accept of [undefined, '*/*', 'application/xml']) {
      const response = await fetch(`${fake.apiUrl}/subscription/${id}`, { headers: { accessToken: token, ...(accept ? { Accept: accept } : {}) } });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, /^<\?xml /);
      assert.throws(() => JSON.parse(text));
      assert.match(text, new RegExp(`<subscriptionId>${id}</subscriptionId>`));
    }
    assert.equal((await api('GET', `/subscription/${id}`, { headers: { Accept: 'application/json, text/plain;q=0.5' } })).body.subscriptionId, id);
  });

  it('creates, shows and deletes subscriptions, never echoing the signing secret', async () => {
    const created = await api('POST', '/subscription', {
      body: form({ subscriptionType: 'company', frequency: 'DAILY', startTime: '2030-01-01T00:00:00Z', companyIds: '11, 12,13', fields: 'name,revenue', webhook: stub.url, signingSecret: 'top-secret' }),
    });
    assert.equal(created.status, 200, created.text);
    const id = created.body.subscriptionId;
    assert.match(id, /^[a-z0-9]{20}$/);
    assert.deepEqual(created.body, {
      subscriptionId: id,
      subscriptionType: 'company',
      frequency: 'DAILY',
      startTime: '2030-01-01T00:00:00Z',
      fields: ['name', 'revenue'],
      companyIds: ['11', '12', '13'],
      webhook: { url: stub.url, status: 'VERIFICATION_PENDING' },
    });
    assert.doesNotMatch(created.text, /top-secret/);
    assert.equal(fake.subscriptions.get(id)?.signingSecret, 'top-secret');

    const shown = await api('GET', `/subscription/${id}`);
    assert.deepEqual(shown.body, created.body);

    fake.setWebhookStatus(id, 'DISABLED', { code: '400-2100', message: 'Webhook unreachable' });
    assert.deepEqual((await api('GET', `/subscription/${id}`)).body.webhook, {
      url: stub.url,
      status: 'DISABLED',
      disableReasonMessage: 'Webhook unreachable',
      disableReasonErrorCode: '400-2100',
    });
    fake.setWebhookStatus(id, 'ACTIVE');
    assert.deepEqual((await api('GET', `/subscription/${id}`)).body.webhook, { url: stub.url, status: 'ACTIVE' });

    const deleted = await api('DELETE', `/subscription/${id}`);
    assert.deepEqual([deleted.status, deleted.body], [200, { message: 'Subscription deleted' }]);
    assert.equal(fake.subscriptions.has(id), false);
    const gone = await api('GET', `/subscription/${id}`);
    assert.deepEqual([gone.status, gone.body], [404, { message: 'Subscription not found', errorCode: '404-1001' }]);
    assert.equal((await api('DELETE', `/subscription/${id}`)).status, 404);

    const people = await api('POST', '/subscription', { body: form({ subscriptionType: 'people', peopleIds: 'p1,p2', webhook: stub.url }) });
    assert.deepEqual(people.body.peopleIds, ['p1', 'p2']);
  });

  it('refuses invalid subscriptions with 400 and a message', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1)).join(',');
    const cases: Array<Record<string, string>> = [
      { webhook: stub.url },
      { subscriptionType: 'companies', webhook: stub.url },
      { subscriptionType: 'company' },
      { subscriptionType: 'company', webhook: stub.url, companyIds: ids(5001) },
      { subscriptionType: 'people', webhook: stub.url, peopleIds: ids(5001) },
    ];
    for (const fields of cases) {
      const answer = await api('POST', '/subscription', { body: form(fields) });
      assert.equal(answer.status, 400, JSON.stringify(fields).slice(0, 80));
      assert.match(answer.body.errorCode, /^400-\d{4}$/);
      assert.ok(answer.body.message.length > 0);
    }
    assert.equal((await api('POST', '/subscription', { body: form({ subscriptionType: 'company', webhook: stub.url, companyIds: ids(5000) }) })).status, 200);
    const asJson = await api('POST', '/subscription', {
      body: JSON.stringify({ subscriptionType: 'company', webhook: stub.url }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(asJson.status, 415, 'the API takes form fields');
  });

  it('pages alert details, lists alerts and counts detail requests', async () => {
    const id = await createSubscription();
    fake.setAlert(id, '364559', { pages: [['1', '2', '3'], ['4']] });
    const page1 = await api('GET', `/subscription/${id}/alert/364559`);
    assert.deepEqual(page1.body, { companyIds: ['1', '2', '3'], subscriptionType: 'company', page: 1, resultsPerPage: 3, totalResults: 4 });
    const page2 = await api('GET', `/subscription/${id}/alert/364559?page=2`);
    assert.deepEqual(page2.body, { companyIds: ['4'], subscriptionType: 'company', page: 2, resultsPerPage: 3, totalResults: 4 });
    const page3 = await api('GET', `/subscription/${id}/alert/364559?page=3`);
    assert.deepEqual([page3.status, page3.body.companyIds, page3.body.page], [200, [], 3]);
    assert.equal(fake.alertDetailRequests(id, '364559'), 3);

    const unknown = await api('GET', `/subscription/${id}/alert/999`);
    assert.deepEqual([unknown.status, unknown.body], [400, { message: 'Invalid alert id', errorCode: '400-1510' }]);
    assert.equal((await api('GET', `/subscription/${id}/alert/364559?page=0`)).status, 400);
    assert.equal((await api('GET', '/subscription/nosuchsubscription00/alert/364559')).status, 404);

    const people = await createSubscription({ subscriptionType: 'people', companyIds: '', peopleIds: 'p1' });
    fake.setAlert(people, '7', { pages: [['p1']] });
    assert.deepEqual((await api('GET', `/subscription/${people}/alert/7`)).body.peopleIds, ['p1']);
    fake.setAlert(id, '8', { pages: [['x']], kind: 'peopleIds' });

    const list = await api('GET', `/subscription/${id}/alerts`);
    assert.deepEqual(list.body.alerts.map((alert: { alertId: string }) => alert.alertId), ['364559', '8']);
    assert.ok(list.body.alerts.every((alert: { createdDate: string }) => !Number.isNaN(Date.parse(alert.createdDate))));
    assert.throws(() => fake.setAlert('nosuchsubscription00', '1', { pages: [] }));
  });

  it('makes an alert sent through the control API without pages fetchable (the README’s `{"alertId":"1"}`)', async () => {
    const id = await createSubscription();
    // As the README's curl sends it: no pages, no content type.
    const sent = await fetch(`${fake.baseUrl}/_fake/subscriptions/${id}/alerts`, { method: 'POST', body: '{"alertId":"1"}' });
    assert.equal(sent.status, 200);
    assert.deepEqual(((await sent.json()) as { alertId: string }).alertId, '1');
    assert.equal(JSON.parse(stub.received.at(-1)!.body.toString()).alertId, '1', 'the notification was sent');
    const details = await api('GET', `/subscription/${id}/alert/1`);
    assert.equal(details.status, 200, details.text);
    assert.deepEqual(details.body.companyIds, SAMPLE_ALERT_PAGES[0]);
    assert.equal(details.body.totalResults, SAMPLE_ALERT_PAGES.flat().length);

    // Details set before (or given with "pages") are kept, not replaced by the sample.
    fake.setAlert(id, '2', { pages: [['9']] });
    await fetch(`${fake.baseUrl}/_fake/subscriptions/${id}/alerts`, { method: 'POST', body: '{"alertId":"2"}' });
    assert.deepEqual((await api('GET', `/subscription/${id}/alert/2`)).body.companyIds, ['9']);
    await fetch(`${fake.baseUrl}/_fake/subscriptions/${id}/alerts`, { method: 'POST', body: '{"alertId":"3","pages":[["7"],["8"]]}' });
    assert.deepEqual((await api('GET', `/subscription/${id}/alert/3?page=2`)).body.companyIds, ['8']);
    // An id never sent is still InsideView's 400-1510.
    assert.equal((await api('GET', `/subscription/${id}/alert/4`)).body.errorCode, '400-1510');
  });

  it('injects 500, 429 with Retry-After, malformed, slow and reset answers, and logs them', async () => {
    const id = await createSubscription();
    fake.setAlert(id, '1', { pages: [['a']] });
    const path = `/subscription/${id}/alert/1`;
    const logged = fake.requests.length;

    fake.fail({ path: /\/alert\//, status: 500, times: 2 });
    assert.equal((await api('GET', path)).status, 500);
    assert.equal((await api('GET', path)).status, 500);
    assert.equal((await api('GET', path)).status, 200);

    fake.fail({ method: 'GET', path: `/api/v1${path}`, status: 429, retryAfter: 7 });
    const throttled = await api('GET', path);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '7');
    assert.equal(throttled.body.errorCode, '429-1001');

    fake.fail({ method: 'DELETE', path: /\/alert\//, status: 500 });
    assert.equal((await api('GET', path)).status, 200, 'method filter');
    fake.clearFailures();

    fake.fail({ path: /\/alert\//, malformed: true });
    const malformed = await api('GET', path);
    assert.equal(malformed.status, 200);
    assert.equal(malformed.body, undefined, 'not JSON');

    fake.fail({ path: /\/alert\//, status: 400, body: { message: 'custom', errorCode: '400-9000' } });
    assert.deepEqual((await api('GET', path)).body, { message: 'custom', errorCode: '400-9000' });

    fake.fail({ path: /\/alert\//, delayMs: 300 });
    const started = Date.now();
    const slow = await api('GET', path);
    assert.ok(Date.now() - started >= 280);
    assert.equal(slow.status, 200, 'a delay alone is then served normally');

    fake.fail({ path: /\/alert\//, delayMs: 2000, status: 500 });
    await assert.rejects(fetch(fake.apiUrl + path, { headers: { accessToken: token, Accept: 'application/json' }, signal: AbortSignal.timeout(200) }));

    fake.fail({ path: /\/alert\//, reset: true });
    await assert.rejects(api('GET', path));

    fake.fail({ path: '/Auth/login/v1/token.json', status: 503, times: Infinity });
    assert.equal((await getToken()).status, 503);
    assert.equal((await getToken()).status, 503);
    fake.clearFailures();
    assert.equal((await getToken()).status, 200);

    assert.equal(fake.alertDetailRequests(id, '1'), 10, 'failed requests are logged and counted too');
    assert.equal(fake.requests.length - logged, 13, 'ten detail requests and three token requests');
    const last = fake.requests.filter((request) => request.path.includes('/alert/')).at(-1)!;
    assert.equal(last.method, 'GET');
    assert.equal(last.headers.accesstoken, token);
  });

  it('validates webhooks with the HEAD handshake, checking the header name’s exact casing', async () => {
    const id = await createSubscription();
    const echo = (name: string, transform: (code: string) => string = (code) => code) => (req: IncomingMessage, res: ServerResponse) => {
      res.setHeader(name, transform(String(req.headers['x-insideviewapi-validationcode'])));
      res.end();
    };

    stub.handler = echo('X-InsideViewAPI-ValidationCode');
    assert.equal(await fake.validateWebhook(id), 'ACTIVE');
    const head = stub.received.at(-1)!;
    assert.equal(head.method, 'HEAD');
    assert.ok(head.rawHeaders.includes('X-InsideViewAPI-ValidationCode'), 'sent in the documented casing');
    assert.deepEqual((await api('GET', `/subscription/${id}`)).body.webhook, { url: stub.url, status: 'ACTIVE' });

    const outcomes: Array<[(req: IncomingMessage, res: ServerResponse) => void, string]> = [
      [echo('x-insideviewapi-validationcode'), '400-2101'],
      [(_req, res) => res.end(), '400-2101'],
      [echo('X-InsideViewAPI-ValidationCode', () => 'something-else'), '400-2104'],
      [echo('X-InsideViewAPI-ValidationCode', () => ''), '400-2102'],
      [(req, res) => { res.statusCode = 404; echo('X-InsideViewAPI-ValidationCode')(req, res); }, '400-2100'], // prettier-ignore
    ];
    for (const [handler, code] of outcomes) {
      stub.handler = handler;
      assert.equal(await fake.validateWebhook(id), 'DISABLED');
      assert.equal(fake.subscriptions.get(id)!.webhook.disableReasonErrorCode, code);
    }
    const shown = (await api('GET', `/subscription/${id}`)).body.webhook;
    assert.deepEqual(shown, { url: stub.url, status: 'DISABLED', disableReasonErrorCode: '400-2100', disableReasonMessage: 'Webhook unreachable' });

    stub.handler = echo('x-insideviewapi-validationcode');
    await fake.validateWebhook(id);
    assert.equal(
      fake.subscriptions.get(id)!.webhook.disableReasonMessage,
      'Please echo X-InsideViewAPI-ValidationCode request header value as response header with name X-InsideViewAPI-ValidationCode',
    );

    const closedPort = await freePort();
    const unreachable = await createSubscription({ webhook: `http://127.0.0.1:${closedPort}/hook` });
    assert.equal(await fake.validateWebhook(unreachable), 'DISABLED');
    assert.equal(fake.subscriptions.get(unreachable)!.webhook.disableReasonErrorCode, '400-2100');
  });

  it('posts signed alert notifications and returns the gateway’s answer', async () => {
    const id = await createSubscription({ signingSecret: 'alert-secret' });
    stub.handler = (_req, res) => {
      res.statusCode = 202;
      res.end('thanks');
    };
    const answer = await fake.sendAlert(id, { alertId: '364559' });
    assert.deepEqual(answer, { status: 202, body: 'thanks' });
    let posted = stub.received.at(-1)!;
    assert.equal(posted.method, 'POST');
    assert.equal(posted.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(posted.body.toString()), { alertId: '364559', subscriptionId: id, date: '2020-02-26 11:52:29:00+0000', type: 'company' });
    const hex = createHmac('sha1', 'alert-secret').update(posted.body).digest('hex');
    assert.equal(posted.headers['x-insideviewapi-alertdatasignature'], hex);
    assert.ok(posted.rawHeaders.includes('X-InsideViewAPI-AlertDataSignature'));

    await fake.sendAlert(id, { alertId: 42, date: '2020-02-26T11:52:29+0000', type: 'companyNews', signature: 'base64' });
    posted = stub.received.at(-1)!;
    assert.match(posted.body.toString(), /"alertId":42,/);
    assert.equal(posted.headers['x-insideviewapi-alertdatasignature'], createHmac('sha1', 'alert-secret').update(posted.body).digest('base64'));

    await fake.sendAlert(id, { alertId: 1, signature: 'none' });
    assert.equal(stub.received.at(-1)!.headers['x-insideviewapi-alertdatasignature'], undefined);

    await fake.sendAlert(id, { alertId: 1, signature: 'wrong' });
    posted = stub.received.at(-1)!;
    const wrong = posted.headers['x-insideviewapi-alertdatasignature'] as string;
    assert.match(wrong, /^[0-9a-f]{40}$/);
    assert.notEqual(wrong, createHmac('sha1', 'alert-secret').update(posted.body).digest('hex'));

    const raw = '{ "alertId" : "9",\n "subscriptionId": "x" }';
    await fake.sendAlert(id, { alertId: 9, body: raw });
    posted = stub.received.at(-1)!;
    assert.equal(posted.body.toString(), raw);
    assert.equal(posted.headers['x-insideviewapi-alertdatasignature'], createHmac('sha1', 'alert-secret').update(raw).digest('hex'));

    const unsigned = await createSubscription({ signingSecret: '' });
    await fake.sendAlert(unsigned, { alertId: 1 });
    assert.equal(stub.received.at(-1)!.headers['x-insideviewapi-alertdatasignature'], undefined, 'no secret, no signature header');
  });

  it('runs standalone on PORT and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, '..', 'fakes', 'fake-insideview.js')], {
      env: { PATH: process.env.PATH, PORT: String(port), FAKE_INSIDEVIEW_VALIDATION_DELAY_MS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (!/INSIDEVIEW_CLIENT_SECRET=/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(output, new RegExp(`INSIDEVIEW_API_URL=http://127\\.0\\.0\\.1:${port}/api/v1`));
      assert.match(output, /INSIDEVIEW_TOKEN_URL=http:\/\/127\.0\.0\.1:\d+\/Auth\/login\/v1\/token\.json/);
      assert.match(output, /INSIDEVIEW_CLIENT_ID=fake-client-id/);

      // A developer's round trip: token, subscription, automatic validation, an alert through the control API.
      stub.handler = (req, res) => {
        if (req.method === 'HEAD') res.setHeader('X-InsideViewAPI-ValidationCode', String(req.headers['x-insideviewapi-validationcode']));
        res.end();
      };
      const base = `http://127.0.0.1:${port}`;
      const tokenAnswer = await fetch(`${base}/Auth/login/v1/token.json`, {
        method: 'POST',
        body: form({ clientId: 'fake-client-id', clientSecret: 'fake-client-secret', grantType: 'cred' }),
      });
      const accessToken = ((await tokenAnswer.json()) as { accessTokenDetails: { accessToken: string } }).accessTokenDetails.accessToken;
      const created = await fetch(`${base}/api/v1/subscription`, {
        method: 'POST',
        headers: { accessToken, Accept: 'application/json' },
        body: form({ subscriptionType: 'company', webhook: stub.url, signingSecret: 'x' }),
      });
      const { subscriptionId } = (await created.json()) as { subscriptionId: string };
      let status = '';
      while (status !== 'ACTIVE' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const shown = await fetch(`${base}/api/v1/subscription/${subscriptionId}`, { headers: { accessToken, Accept: 'application/json' } });
        status = ((await shown.json()) as { webhook: { status: string } }).webhook.status;
      }
      assert.equal(status, 'ACTIVE');
      const sent = await fetch(`${base}/_fake/subscriptions/${subscriptionId}/alerts`, { method: 'POST', body: JSON.stringify({ alertId: '5', pages: [['1']] }) });
      assert.deepEqual(await sent.json(), { alertId: '5', delivered: { status: 200, body: '' } });
      assert.equal(JSON.parse(stub.received.at(-1)!.body.toString()).alertId, '5');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  });
  it('as `npm run fake:insideview`, stops on the SIGTERM npm passes to the script, and its hints name the id it wants', async () => {
    // npm runs a script as `sh -c "<script>"` and passes SIGTERM on to that shell, which does not
    // pass it on to a child: the script must hand the shell over to node (exec). The build step is
    // done already (the suite runs built), so `true` stands for it here.
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const script = scripts['fake:insideview']!;
    assert.match(script, /^npm run build && /);
    const port = await freePort();
    const child = spawn('sh', ['-c', script.replace(/^npm run build && /, 'true && ')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that the cleanup below reaches a fake left behind
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let answeredAfterStop: boolean;
    let ended: { code: number | null; signal: NodeJS.Signals | null };
    try {
      const deadline = Date.now() + 10_000;
      while (!/INSIDEVIEW_CLIENT_SECRET=[\s\S]*Send an alert/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(output, /_fake\/subscriptions\/<vendorRef>\/alerts/);
      assert.match(output, /<vendorRef>: InsideView's id of the subscription, the "vendorRef" in the gateway's answer \(not its "id"\)/);
      child.kill('SIGTERM');
      ended = await exited;
      answeredAfterStop = await fetch(`http://127.0.0.1:${port}/_fake/subscriptions`).then(
        () => true,
        () => false,
      );
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is gone: nothing was left behind.
      }
    }
    assert.equal(answeredAfterStop, false, `the fake still answers after SIGTERM:\n${output}`);
    assert.deepEqual(ended, { code: 0, signal: null }, output);
  });
});
