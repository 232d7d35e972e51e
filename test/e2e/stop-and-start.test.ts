import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { fixture, productionNodeArgs, REPO_ROOT } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { TEST_API_TOKEN, TEST_SECRETS_KEY } from '../support/test-app';
import { createTestDatabase, EMBEDDED, type TestDatabase } from '../support/test-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Walnut delivery of its own (its own session id, so not a duplicate of another). */
function walnutBody(): string {
  const body = JSON.parse(fixture('walnut-demo-session-finished.json').toString('utf8')) as { data: { session_id: string } };
  body.data.session_id = randomUUID();
  return JSON.stringify(body);
}

/**
 * The gateway as a person runs it, as its own process: the start-up it prints, and the stop. One
 * Ctrl-C on `npm start` reaches node several times within a few ms (the terminal's, and each npm's
 * forwarded copy); with process.once the second one killed the stop (exit 130), leaving DATA_DIR's
 * lock and an embedded database that restarted with its id sequence jumped by 32.
 */
for (const kind of ['embedded', 'postgres'] as const) {
  describe(`Stop and start on ${kind === 'embedded' ? 'the embedded database (DATA_DIR, the default)' : 'PostgreSQL'}`, {
    skip: EMBEDDED && kind === 'postgres' && 'the PostgreSQL case runs in the PostgreSQL pass; the embedded pass runs the embedded case',
  }, () => {
    let database: TestDatabase | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-stop-'));
    let gateway: GatewayProcess | undefined;
    after(async () => {
      await gateway?.stop('SIGKILL');
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    // The embedded default: nothing but DATA_DIR (the API token and the secrets key are generated there).
    const env = async (): Promise<Record<string, string>> =>
      kind === 'embedded' ? { DATA_DIR: dataDir } : { DATABASE_URL: (database ??= await createTestDatabase()).url, SECRETS_KEY: TEST_SECRETS_KEY, API_TOKENS: TEST_API_TOKEN };
    const token = () => (kind === 'embedded' ? readFileSync(join(dataDir, 'api-token'), 'utf8').trim() : TEST_API_TOKEN);
    const api = (method: string, path: string, body?: unknown) =>
      sendRaw(gateway!.baseUrl, method, path, {
        headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let subscription: { id: string; secret: string };
    const deliver = async (): Promise<string> => {
      const body = walnutBody();
      const response = await sendRaw(gateway!.baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, {
        headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret, Buffer.from(body)) },
        body,
      });
      assert.equal(response.status, 200, response.text);
      return response.body.eventId as string;
    };
    const stored: string[] = [];

    it('stops cleanly on two SIGINTs a few ms apart: exit 0, the lock released', async () => {
      gateway = await startGatewayProcess({ ...(await env()), LOG_FORMAT: 'json' });
      const created = await api('POST', '/api/subscriptions', { vendor: 'walnut', name: 'stop' });
      assert.equal(created.status, 201, created.text);
      subscription = created.body;
      for (let i = 0; i < 3; i += 1) stored.push(await deliver());

      const exited = gateway.stop('SIGINT');
      await sleep(5);
      gateway.child.kill('SIGINT');
      const { code, signal } = await exited;
      const output = gateway.output();
      gateway = undefined;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
      assert.match(output, /SIGINT: stopping/);
      assert.doesNotMatch(output, /forcing/);
      assert.equal(existsSync(join(dataDir, 'gateway.lock')), false, 'DATA_DIR/gateway.lock is released');
    });

    it('starts again with one line naming the console, /docs and the token file, and no route listing; GET / opens the console', async () => {
      gateway = await startGatewayProcess({ ...(await env()), LOG_FORMAT: 'json' });
      const lines = gateway
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      assert.doesNotMatch(gateway.output(), /Mapped \{/);
      const host = gateway.baseUrl; // HOST 127.0.0.1, as the test runs it
      const tokenPlace = kind === 'embedded' ? `API token in ${join(dataDir, 'api-token')}` : 'API tokens from API_TOKENS';
      const database = kind === 'embedded' ? `embedded, in ${dataDir}` : 'PostgreSQL';
      assert.deepEqual(
        lines.map((line) => [line.level, line.msg]),
        [[30, `Listening on ${host}: console ${host}/console/, API docs ${host}/docs, ${tokenPlace} (database: ${database})`]],
        'a restart prints exactly one line',
      );
      const root = await fetch(`${gateway.baseUrl}/`, { redirect: 'manual' });
      assert.equal(root.status, 302);
      assert.equal(root.headers.get('location'), '/console/');
      assert.equal((await fetch(new URL(root.headers.get('location')!, gateway.baseUrl))).status, 200);
    });

    it('kept every event, and the next event id follows the last one', async () => {
      for (const id of stored) assert.equal((await api('GET', `/api/events/${id}`)).status, 200, `event ${id} is still there`);
      const next = await deliver();
      assert.equal(next, String(BigInt(stored.at(-1)!) + 1n), 'no jump in the id sequence (a clean stop of the database)');
    });

    it('a third signal forces a stop that is still waiting, saying so', async () => {
      // A request whose body never finishes holds the stop (the server waits for in-flight requests).
      const held = connect(Number(new URL(gateway!.baseUrl).port), '127.0.0.1');
      held.on('error', () => undefined);
      await new Promise((resolve) => held.once('connect', resolve));
      held.write(`POST /webhooks/walnut/${subscription.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      await sleep(200);
      const exited = gateway!.stop('SIGINT');
      await sleep(5);
      gateway!.child.kill('SIGINT'); // npm's copy of the same Ctrl-C: not a second request
      await sleep(1000);
      assert.equal(gateway!.child.exitCode, null, 'still stopping while the request is in flight');
      gateway!.child.kill('SIGINT');
      await sleep(1000);
      assert.equal(gateway!.child.exitCode, null, 'a second request does not cut the stop short');
      assert.match(gateway!.output(), /SIGINT again: still stopping/);
      gateway!.child.kill('SIGINT');
      const { code } = await exited;
      held.destroy();
      const output = gateway!.output();
      gateway = undefined;
      assert.equal(code, 130, output);
      assert.match(output, /SIGINT a third time: forcing the stop/);
    });

    it('a Ctrl-C while the embedded database opens stops once it has opened: exit 0, the lock released', { skip: kind === 'postgres' && 'nothing to close while starting on PostgreSQL: it exits at once' }, async () => {
      const child = spawn(process.execPath, [...productionNodeArgs(), join(REPO_ROOT, 'dist', 'src', 'main.js')], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: String(await freePort()), NO_COLOR: '1', LOG_FORMAT: 'json', ...(await env()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      // The lock is taken just before the database is opened (which takes seconds), and after the signal handlers are set.
      const lockFile = join(dataDir, 'gateway.lock');
      while (!existsSync(lockFile)) {
        assert.equal(child.exitCode, null, output);
        await sleep(5);
      }
      child.kill('SIGINT');
      await sleep(5);
      child.kill('SIGINT');
      const result = await exited;
      assert.deepEqual(result, { code: 0, signal: null }, output);
      assert.match(output, /SIGINT: stopping once the embedded database has opened/);
      assert.doesNotMatch(output, /Listening on/, 'stopped before it was ready');
      assert.equal(existsSync(lockFile), false, 'DATA_DIR/gateway.lock is released');
    });
  });
}
