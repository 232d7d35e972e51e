import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { freePort } from '../support/gateway-process';
import { walnutSignature } from '../support/signing';
import { createSubscription, feedOf, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';
import { CliScript } from '../support/cli-script';

interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  envelope: Record<string, unknown>;
  answered: number;
}

/** A local service receiving forwarded events: verifies each with the standardwebhooks package, answers as told. */
class Consumer {
  readonly received: Received[] = [];
  readonly refused: string[] = [];
  private server?: Server;

  constructor(
    private readonly secret: string,
    /** The status to answer the n-th request (from 0), carrying event `id`. */
    private readonly answer: (n: number, id: string) => number = () => 200,
  ) {}

  async listen(port = 0): Promise<string> {
    const verifier = new Webhook(this.secret);
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          verifier.verify(body, request.headers as Record<string, string>);
        } catch (error) {
          this.refused.push(`${String(error)}: ${JSON.stringify(request.headers)}`);
          response.writeHead(401).end();
          return;
        }
        const id = String(request.headers['webhook-id']);
        const answered = this.answer(this.received.length, id);
        this.received.push({ id, headers: request.headers, envelope: JSON.parse(body), answered });
        response.writeHead(answered, { 'Content-Type': 'text/plain' }).end(answered < 300 ? 'thanks' : 'not now');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function secret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

const WALNUT_EVENT = (n: string) =>
  JSON.stringify({ event: 'demo_session_finished', timestamp: '2023-11-01T19:15:20.666248Z', data: { demo: { id: '7a8e73ec' }, session_id: `session-${n}` } });

describe('npm run forward', () => {
  let app: TestApp;
  const scratch: string[] = [];
  const running: CliScript[] = [];

  function directory(): string {
    const dir = mkdtempSync(join(tmpdir(), 'forward-test-'));
    scratch.push(dir);
    return dir;
  }

  function forward(args: string[], env: Record<string, string>, cwd = directory()): CliScript {
    const started = new CliScript('forward', args, { env, cwd });
    running.push(started);
    return started;
  }

  async function sendWalnut(subscription: CreatedSubscription, n: string): Promise<string> {
    const body = WALNUT_EVENT(n);
    const response = await app
      .http()
      .post(`/webhooks/walnut/${subscription.id}`)
      .set('Content-Type', 'application/json')
      .set('X-Walnut-Signature', walnutSignature(subscription.secret!, body))
      .send(body);
    assert.equal(response.status, 200, response.text);
    return response.body.eventId;
  }

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await Promise.all(running.map((started) => started.stop()));
    await app?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('forwards every event in the envelope format, signed, and resumes after a stop mid-page without loss or repeats', async () => {
    const subscription = await createSubscription(app, { vendor: 'walnut' });
    const first = [await sendWalnut(subscription, '1'), await sendWalnut(subscription, '2'), await sendWalnut(subscription, '3')];
    const signingSecret = secret();
    // The second event is refused until released: the first run stops with the page half forwarded.
    let holding = true;
    const consumer = new Consumer(signingSecret, (_, id) => (holding && id === first[1] ? 503 : 200));
    const to = await consumer.listen();
    const stateFile = join(directory(), 'state', 'cursor.json');
    const args = ['--to', to, '--gateway', app.baseUrl, '--from', 'beginning', '--state-file', stateFile, '--poll', '50'];
    const env = { API_TOKEN: TEST_API_TOKEN, FORWARD_SECRET: signingSecret };
    try {
      const one = forward(args, env);
      await one.waitFor(new RegExp(`OK +${first[0]} walnut\\.demo_session_finished → HTTP 200 in \\d+ ms`));
      await one.waitFor(new RegExp(`FAIL ${first[1]} walnut\\.demo_session_finished → HTTP 503 in \\d+ ms: not now; again in`));
      assert.equal(await one.stop(), 0, one.text);
      assert.match(one.text, /Signing secret \(FORWARD_SECRET\): as set/);
      assert.doesNotMatch(one.text, new RegExp(signingSecret.slice(6, 20).replace(/[+/]/g, '\\$&')), 'a secret from the environment is not printed');

      // Offline meanwhile: the next run (its --from ignored) goes on with the event that was refused.
      const second = [await sendWalnut(subscription, '4'), await sendWalnut(subscription, '5'), await sendWalnut(subscription, '6')];
      holding = false;
      const two = forward(args, env);
      await two.waitFor(/Resuming where it stopped/);
      await two.waitFor(new RegExp(`OK +${second[2]} `));
      const delivered = consumer.received.filter((request) => request.answered === 200);
      assert.deepEqual(delivered.map((request) => request.id), [...first, ...second], 'each event once, in feed order');
      assert.equal(consumer.received.filter((request) => request.id === first[0]).length, 1, 'the event delivered before the stop is not sent again');
      assert.equal(await two.stop(), 0);
      assert.equal(JSON.parse(readFileSync(stateFile, 'utf8')).gateway, app.baseUrl);

      const events = await feedOf(app, subscription.id, 6);
      for (const request of delivered) {
        const index = events.findIndex((event) => event.id === request.id);
        const event = events[index];
        assert.deepEqual(request.envelope, {
          id: event.id,
          type: 'walnut.demo_session_finished',
          vendor: 'walnut',
          subscriptionId: subscription.id,
          eventType: 'demo_session_finished',
          occurredAt: '2023-11-01T19:15:20.666Z',
          receivedAt: event.receivedAt,
          status: 'accepted',
          validationErrors: null,
          isTest: false,
          payload: JSON.parse(WALNUT_EVENT(String(index + 1))),
        });
        assert.match(String(request.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
        assert.equal(request.headers['content-type'], 'application/json');
      }
      assert.deepEqual(consumer.refused, [], 'every request verified with standardwebhooks');
    } finally {
      await consumer.close();
    }
  });

  it('starts at the end of the feed, forwards only --vendor, and retries a target that is down or failing without skipping', async () => {
    const walnut = await createSubscription(app, { vendor: 'walnut' });
    const visits = await createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'] });
    const earlier = await sendWalnut(walnut, 'before-start');
    // The token from DATA_DIR/api-token, as the gateway writes it; the secret generated next to the state file.
    const dataDir = directory();
    writeFileSync(join(dataDir, 'api-token'), `${TEST_API_TOKEN}\n`);
    const cwd = directory();
    const port = await freePort();
    const args = ['--to', `http://127.0.0.1:${port}/hooks`, '--vendor', 'walnut', '--gateway', app.baseUrl, '--poll', '50'];
    const one = forward(args, { DATA_DIR: dataDir }, cwd);
    await one.waitFor(/Starting at the end of the feed/);
    const generated = (await one.waitFor(/Signing secret \(.*\): (whsec_\S+)/))[1];
    assert.equal(readFileSync(join(dataDir, 'forward-cursor.secret'), 'utf8').trim(), generated);

    const a = await sendWalnut(walnut, 'a');
    const visit = await app
      .http()
      .post(`/webhooks/visitor-tracking/${visits.id}`)
      .set('Content-Type', 'application/json')
      .set('X-Webhook-Signature', visits.secret!)
      .send({ id: 'v-1', url: 'https://example.com/', date: '2024-12-22T14:30:00Z', visitor: { id: 'u-1' } });
    assert.equal(visit.status, 200, visit.text);
    const b = await sendWalnut(walnut, 'b');
    // Nobody listens yet: the first event is retried, not passed over.
    await one.waitFor(new RegExp(`FAIL ${a} walnut\\.demo_session_finished → ECONNREFUSED`));
    assert.equal(await one.stop(), 0);

    const consumer = new Consumer(generated, (n) => (n === 0 ? 500 : 200));
    await consumer.listen(port);
    try {
      const two = forward(args, { DATA_DIR: dataDir }, cwd);
      await two.waitFor(new RegExp(`Signing secret \\(.*\\): ${generated.replace(/[+/]/g, '\\$&')}`));
      await two.waitFor(new RegExp(`FAIL ${a} .*HTTP 500`));
      await two.waitFor(new RegExp(`OK +${b} `));
      assert.deepEqual(
        consumer.received.map((request) => [request.id, request.answered]),
        [[a, 500], [a, 200], [b, 200]],
        'the failed event again, then the next; the visit (another vendor) and the event from before the start never',
      );
      assert.ok(!consumer.received.some((request) => request.id === earlier));
      assert.deepEqual(consumer.refused, []);
      assert.equal(await two.stop(), 0);
    } finally {
      await consumer.close();
    }
  });

  it('refuses bad arguments (exit 2), a token on the command line, and a token the gateway refuses (exit 1)', async () => {
    const ok = { API_TOKEN: TEST_API_TOKEN };
    const cases: Array<{ args: string[]; env?: Record<string, string>; code: number; message: RegExp }> = [
      { args: [], code: 2, message: /--to must be an http\(s\) URL, got nothing/ },
      { args: ['--to', 'ftp://localhost/x'], code: 2, message: /--to must be an http\(s\) URL/ },
      { args: ['--to', 'http://user:pw@localhost/x'], code: 2, message: /--to must not carry credentials/ },
      { args: ['--to', 'http://localhost/x', '--vendor', 'nosuchvendor'], code: 2, message: /Unknown vendor "nosuchvendor"/ },
      { args: ['--to', 'http://localhost/x', '--from', 'yesterday'], code: 2, message: /--from must be now or beginning/ },
      { args: ['--to', 'http://localhost/x', '--poll', '0'], code: 2, message: /--poll must be a whole number/ },
      { args: ['--to', 'http://localhost/x', '--token', TEST_API_TOKEN], code: 2, message: /command line would show in the process list/ },
      { args: ['--to', 'http://localhost/x', '--bogus'], code: 2, message: /Unknown option '--bogus'/ },
      { args: ['--to', 'http://localhost/x'], env: { DATA_DIR: directory() }, code: 2, message: /No API token: .*api-token does not exist/ },
      { args: ['--to', 'http://localhost/x'], env: { ...ok, FORWARD_SECRET: 'not-a-secret' }, code: 2, message: /FORWARD_SECRET must be whsec_/ },
      {
        args: ['--to', 'http://127.0.0.1:9/x', '--gateway', app.baseUrl],
        env: { API_TOKEN: 'wrong-token-0123456789abcdef' },
        code: 1,
        message: /The gateway refused the API token: 401/,
      },
    ];
    const runs = cases.map((expected) => ({ ...expected, run: forward(expected.args, expected.env ?? ok) }));
    for (const { args, code, message, run } of runs) {
      assert.equal(await run.exited, code, `${args.join(' ')}: ${run.text}`);
      assert.match(run.text, message);
      if (code === 2) assert.match(run.text, /Usage: npm run forward/);
      assert.doesNotMatch(run.text, new RegExp(TEST_API_TOKEN), 'the token is never printed');
    }
  });
});
