import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gatewayDatabase, startGatewayProcess, type GatewayDatabase, type GatewayProcess } from '../support/gateway-process';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { TEST_SECRETS_KEY } from '../support/test-app';

const TOKEN = 'log-test-token-0123456789';

describe('Request logs', () => {
  let database: GatewayDatabase;
  let gateway: GatewayProcess | undefined;

  before(async () => {
    database = await gatewayDatabase();
    gateway = await startGatewayProcess({ ...database.env, SECRETS_KEY: TEST_SECRETS_KEY, API_TOKENS: TOKEN, LOG_FORMAT: 'json', LOG_LEVEL: 'log' });
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await database?.drop();
  });

  it('writes one JSON line per request with its id, vendor, subscription, outcome and duration, and no secret', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const created = await sendRaw(gateway!.baseUrl, 'POST', '/api/subscriptions', {
      headers: auth,
      body: JSON.stringify({ vendor: 'walnut', name: 'logs', requiredHeaders: { 'X-Api-Key': 'required-header-secret' } }),
    });
    assert.equal(created.status, 201);
    const secret = created.body.secret as string;
    const body = fixture('walnut-demo-session-finished.json');
    const signature = walnutSignature(secret, body);
    const path = `/webhooks/walnut/${created.body.id}`;
    const accepted = await sendRaw(gateway!.baseUrl, 'POST', path, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': signature, 'X-Api-Key': 'required-header-secret', 'X-Request-Id': 'accepted-1' },
      body,
    });
    assert.equal(accepted.status, 200);
    const refused = await sendRaw(gateway!.baseUrl, 'POST', path, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': 'f'.repeat(64), 'X-Api-Key': 'required-header-secret', 'X-Request-Id': 'refused-1' },
      body,
    });
    assert.equal(refused.status, 401);
    await sendRaw(gateway!.baseUrl, 'GET', '/api/events', { headers: { ...auth, 'X-Request-Id': 'read-1' } });

    await gateway!.stop('SIGTERM');
    const output = gateway!.output();
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    const requests = lines.filter((line) => line.req && line.res);
    for (const id of ['accepted-1', 'refused-1', 'read-1']) {
      assert.equal(requests.filter((line) => line.req.id === id).length, 1, `one line for ${id}`);
    }
    const acceptedLine = requests.find((line) => line.req.id === 'accepted-1')!;
    assert.equal(acceptedLine.vendor, 'walnut');
    assert.equal(acceptedLine.subscriptionId, created.body.id);
    assert.equal(acceptedLine.outcome, 'accepted');
    assert.equal(acceptedLine.res.statusCode, 200);
    assert.equal(typeof acceptedLine.responseTime, 'number');
    assert.equal(acceptedLine.level, 30);
    const refusedLine = requests.find((line) => line.req.id === 'refused-1')!;
    assert.equal(refusedLine.outcome, 'unauthorized');
    assert.equal(refusedLine.level, 40, '4xx at warn');
    for (const secretValue of [TOKEN, secret, signature, 'required-header-secret', 'f'.repeat(64)]) {
      assert.ok(!output.includes(secretValue), `the log never contains ${secretValue.slice(0, 12)}…`);
    }
  });
});
