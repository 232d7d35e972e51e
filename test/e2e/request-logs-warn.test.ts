import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { TcpProxy } from '../support/tcp-proxy';
import { walnutSignature } from '../support/signing';
import { TEST_SECRETS_KEY } from '../support/test-app';
import { EMBEDDED, createTestDatabase, type TestDatabase } from '../support/test-database';

const TOKEN = 'log-warn-test-token-0123456789';

/**
 * Above `info` the request log builds a request's line only when it is written (see
 * http-logger.ts): the failed requests' lines must be exactly what pino-http writes at `log`.
 */
describe('Request logs at LOG_LEVEL=warn', { skip: EMBEDDED && 'cuts the connection to a PostgreSQL server with a TCP proxy: PostgreSQL only' }, () => {
  let database: TestDatabase;
  let gateway: GatewayProcess | undefined;
  let proxy: TcpProxy | undefined;

  before(async () => {
    database = await createTestDatabase();
    // Through a proxy, so the database can be cut for the last request.
    proxy = await TcpProxy.start(new URL(database.url));
    gateway = await startGatewayProcess({ DATABASE_URL: proxy.rewrite(database.url), SECRETS_KEY: TEST_SECRETS_KEY, API_TOKENS: TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await proxy?.close();
    await database?.drop();
  });

  it('writes a line for each failed request only, with its id, request, vendor, subscription, outcome and duration, and no secret; what the error filter logs carries the request too', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const created = await sendRaw(gateway!.baseUrl, 'POST', '/api/subscriptions', {
      headers: auth,
      body: JSON.stringify({ vendor: 'walnut', name: 'logs' }),
    });
    assert.equal(created.status, 201);
    const secret = created.body.secret as string;
    const body = fixture('walnut-demo-session-finished.json');
    const signature = walnutSignature(secret, body);
    const path = `/webhooks/walnut/${created.body.id}`;
    const send = (signatureValue: string, id: string, to = path) =>
      sendRaw(gateway!.baseUrl, 'POST', to, { headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': signatureValue, 'X-Request-Id': id }, body });
    assert.equal((await send(signature, 'accepted-1')).status, 200);
    assert.equal((await send('f'.repeat(64), 'refused-1')).status, 401);
    assert.equal((await send(signature, 'unknown-1', '/webhooks/walnut/00000000-0000-4000-8000-000000000000')).status, 404);
    proxy!.disconnect();
    assert.equal((await send(signature, 'outage-1')).status, 503);

    await gateway!.stop('SIGTERM');
    const output = gateway!.output();
    const requests = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((line) => line.req && line.res);
    assert.deepEqual(requests.map((line) => line.req.id).sort(), ['outage-1', 'refused-1', 'unknown-1'], 'no line for the accepted delivery');
    const refused = requests.find((line) => line.req.id === 'refused-1')!;
    assert.equal(refused.level, 40);
    assert.equal(refused.msg, `POST ${path} 401`);
    assert.equal(refused.req.method, 'POST');
    assert.equal(refused.req.url, path);
    assert.equal(refused.req.headers['content-type'], 'application/json');
    assert.equal(refused.req.headers['x-walnut-signature'], undefined, 'only allow-listed headers');
    assert.equal(refused.res.statusCode, 401);
    assert.equal(typeof refused.responseTime, 'number');
    assert.equal(refused.vendor, 'walnut');
    assert.equal(refused.subscriptionId, created.body.id);
    assert.equal(refused.outcome, 'unauthorized');
    const unknown = requests.find((line) => line.req.id === 'unknown-1')!;
    assert.equal(unknown.outcome, 'not_found');
    assert.equal(unknown.res.statusCode, 404);
    assert.equal(requests.find((line) => line.req.id === 'outage-1')!.outcome, 'unavailable');
    // The filter's own line about the failure, written with the request's logger: it names the request.
    const filterLines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((line) => line.context === 'Errors');
    assert.equal(filterLines.length, 1, output);
    assert.equal(filterLines[0].level, 40);
    assert.match(filterLines[0].msg, /^Database unavailable: /);
    assert.equal(filterLines[0].req.id, 'outage-1');
    assert.equal(filterLines[0].req.headers['x-walnut-signature'], undefined);
    for (const secretValue of [TOKEN, secret, signature, 'f'.repeat(64)]) {
      assert.ok(!output.includes(secretValue), `the log never contains ${secretValue.slice(0, 12)}…`);
    }
  });
});
