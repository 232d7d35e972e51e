import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runGatewayExpectingExit, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';

describe('The embedded default: no database server, no configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-embedded-'));
  let gateway: GatewayProcess | undefined;
  after(async () => {
    await gateway?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on PGlite, prints a new API token once, stores an event and still has it after a restart', async () => {
    gateway = await startGatewayProcess({ DATA_DIR: dataDir });
    const printed = /Created an API token[^\n]*\n\s*\n\s*(\S+)/.exec(gateway.output());
    assert.ok(printed, `the token is printed on first start:\n${gateway.output()}`);
    const token = printed[1];
    assert.equal(readFileSync(join(dataDir, 'api-token'), 'utf8').trim(), token, 'and kept in DATA_DIR');
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

    const created = await sendRaw(gateway.baseUrl, 'POST', '/api/subscriptions', { headers: auth, body: JSON.stringify({ vendor: 'walnut', name: 'embedded' }) });
    assert.equal(created.status, 201, created.text);
    const body = fixture('walnut-demo-session-finished.json');
    const delivered = await sendRaw(gateway.baseUrl, 'POST', `/webhooks/walnut/${created.body.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.body.secret, body) },
      body,
    });
    assert.equal(delivered.status, 200, delivered.text);

    assert.deepEqual(await gateway.stop('SIGTERM'), { code: 0, signal: null }, 'a graceful stop closes the app and PGlite, then exits 0');
    assert.match(gateway.output(), /SIGTERM: stopping/);
    gateway = await startGatewayProcess({ DATA_DIR: dataDir });
    assert.ok(!/Created an API token/.test(gateway.output()), 'the token is not printed again');
    assert.match(gateway.output(), /api-token/, 'the restart names the file that holds the token');

    const events = await sendRaw(gateway.baseUrl, 'GET', `/api/events?subscriptionId=${created.body.id}`, { headers: auth });
    assert.equal(events.status, 200);
    assert.equal(events.body.data.length, 1);
    assert.equal(events.body.data[0].id, delivered.body.eventId);
    assert.equal(events.body.data[0].eventType, 'demo_session_finished');
    const health = await sendRaw(gateway.baseUrl, 'GET', '/health');
    assert.equal(health.status, 200);
  });

  it('refuses to start on a bad setting with one line naming the variable', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT/],
      [{ DATABASE_URL: 'mysql://localhost/x' }, /DATABASE_URL/],
      [{ API_TOKENS: 'short' }, /API_TOKENS/],
      [{ BODY_LIMIT: 'huge' }, /BODY_LIMIT/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ PUBLIC_BASE_URL: 'gateway.example.com' }, /PUBLIC_BASE_URL/],
    ];
    for (const [env, variable] of cases) {
      const { code, output } = await runGatewayExpectingExit({ DATA_DIR: dataDir, ...env });
      assert.equal(code, 1, output);
      const lines = output.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${output}`);
      assert.match(lines[0], variable);
    }
  });
});
