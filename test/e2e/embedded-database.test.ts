import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { DataDirLockedError } from '../../src/database/data-dir-lock';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { freePort, runGatewayExpectingExit, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { fixture } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { EMBEDDED } from '../support/test-database';

/** This file runs its gateways on the embedded database in either pass: once (the PostgreSQL pass) is enough. */
const ONCE = EMBEDDED && 'on the embedded database in either pass: runs in the PostgreSQL pass';

describe('The embedded default: no database server, no configuration', { skip: ONCE }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-embedded-'));
  let gateway: GatewayProcess | undefined;
  after(async () => {
    await gateway?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on PGlite, creates an API token (named in the log, never written to it), stores an event and still has it after a restart', async () => {
    gateway = await startGatewayProcess({ DATA_DIR: dataDir });
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    assert.ok(token.length >= 16, 'a token is kept in DATA_DIR');
    // stdout is a pipe here, as under a process manager: the log stays JSON and the token stays out of it.
    assert.ok(!gateway.output().includes(token), `the token is printed only to a terminal:\n${gateway.output()}`);
    const entries = gateway.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    assert.ok(
      entries.some((entry) => entry.msg === `Created an API token for /api: see ${join(dataDir, 'api-token')}`),
      `one JSON line names the file:\n${gateway.output()}`,
    );
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

describe('The embedded database serves one process', { skip: ONCE }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-lock-'));
  const lockFile = join(dataDir, 'gateway.lock');
  const gateways: GatewayProcess[] = [];
  after(async () => {
    for (const gateway of gateways) await gateway.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second gateway on the same DATA_DIR with one line, takes over after a crash, and lets go on a stop', async () => {
    const first = await startGatewayProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    gateways.push(first);
    const auth = { Authorization: `Bearer ${readFileSync(join(dataDir, 'api-token'), 'utf8').trim()}`, 'Content-Type': 'application/json' };

    const second = await runGatewayExpectingExit({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(await freePort()) }, 30_000);
    assert.equal(second.timedOut, false, `a second gateway started on the same DATA_DIR:\n${second.output}`);
    assert.equal(second.code, 1, second.output);
    const lines = second.output.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${second.output}`);
    assert.match(lines[0], /^DATA_DIR .+ is in use by another gateway.*serves one process.*DATABASE_URL/);
    // Whoever else opens the database (the migration CLI, secrets:reencrypt) is refused too.
    const cli = new DataSource({ ...buildDataSourceOptions({ dataDir }, []), logging: false });
    await assert.rejects(cli.initialize(), DataDirLockedError);

    // The first one is untouched: it stores and serves as before.
    const created = await sendRaw(first.baseUrl, 'POST', '/api/subscriptions', { headers: auth, body: JSON.stringify({ vendor: 'walnut', name: 'locked' }) });
    assert.equal(created.status, 201, created.text);
    const body = fixture('walnut-demo-session-finished.json');
    const delivered = await sendRaw(first.baseUrl, 'POST', `/webhooks/walnut/${created.body.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(created.body.secret, body) },
      body,
    });
    assert.equal(delivered.status, 200, delivered.text);

    // kill -9 leaves the lock's socket file behind, with nobody listening: the next start takes it over.
    await first.stop('SIGKILL');
    assert.ok(existsSync(lockFile), 'the crash left the lock file');
    const next = await startGatewayProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    gateways.push(next);
    const events = await sendRaw(next.baseUrl, 'GET', `/api/events?subscriptionId=${created.body.id}`, { headers: auth });
    assert.deepEqual(events.body.data.map((event: { id: string }) => event.id), [delivered.body.eventId]);

    assert.deepEqual(await next.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(!existsSync(lockFile), 'a graceful stop removes the lock');
    await cli.initialize(); // and the database is free for the next user
    await cli.destroy();
  });
});
