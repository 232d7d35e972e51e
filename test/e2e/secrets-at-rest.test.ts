import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, REPO_ROOT } from '../support/paths';
import { sendRaw } from '../support/raw-http';
import { walnutSignature } from '../support/signing';
import { createSubscription } from '../support/subscriptions';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../support/test-app';
import { createPassDatabase, type TestDatabase } from '../support/test-database';

const KEY_1 = TEST_SECRETS_KEY;
const KEY_2 = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const keyId = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex').slice(0, 8);
const SAMPLE = fixture('walnut-demo-session-finished.json');

async function rawDestination(app: TestApp, id: string) {
  const [row] = await app.query<{ signing_secret: string; previous_signing_secret: string; headers: string }>(
    'SELECT signing_secret, previous_signing_secret, headers FROM destinations WHERE id = $1',
    [id],
  );
  return row;
}

async function rawSubscription(app: TestApp, id: string) {
  const [row] = await app.query<{ secret: string; previous_secret: string | null; required_headers: Record<string, string> }>(
    'SELECT secret, previous_secret, required_headers FROM subscriptions WHERE id = $1',
    [id],
  );
  return row;
}

function reencrypt(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'reencrypt-secrets.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('Secrets at rest', () => {
  let database: TestDatabase;
  let app: TestApp | undefined;
  before(async () => {
    database = await createPassDatabase();
  });
  after(async () => {
    await app?.close();
    await database?.drop();
  });

  const deliver = (target: TestApp, id: string, secret: string) =>
    sendRaw(target.baseUrl, 'POST', `/webhooks/walnut/${id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(secret, SAMPLE), 'X-Api-Key': 'header-secret-value' },
      body: SAMPLE,
    });

  it('stores secrets, previous secrets and required header values only encrypted, and survives a key rotation', async () => {
    app = await startTestApp({ SECRETS_KEY: KEY_1 }, { database });
    const created = await createSubscription(app, { vendor: 'walnut', requiredHeaders: { 'X-Api-Key': 'header-secret-value' } });
    const oldSecret = created.secret!;
    const rotated = await app.api('post', `/api/subscriptions/${created.id}/rotate-secret`, { graceSeconds: 3600 });
    const secret = rotated.body.secret as string;

    const destination = await app.api('post', '/api/destinations', { name: 'Orders', url: 'http://127.0.0.1:1/in', headers: { Authorization: 'Bearer destination-header-value' } });
    assert.equal(destination.status, 201, destination.text);
    const destinationSecrets = [destination.body.signingSecret as string];
    const rotatedDestination = await app.api('post', `/api/destinations/${destination.body.id}/rotate-secret`, { graceSeconds: 3600 });
    destinationSecrets.push(rotatedDestination.body.signingSecret);

    const stored = await rawSubscription(app, created.id);
    const storedDestination = await rawDestination(app, destination.body.id);
    for (const value of [stored.secret, stored.previous_secret!, stored.required_headers['X-Api-Key'], ...Object.values(storedDestination)]) {
      assert.match(value, new RegExp(`^enc:v1:${keyId(KEY_1)}:`));
    }
    const everything = JSON.stringify([stored, storedDestination]);
    for (const plain of [secret, oldSecret, 'header-secret-value', ...destinationSecrets, 'destination-header-value']) assert.ok(!everything.includes(plain), 'no plaintext in the database');
    assert.equal((await deliver(app, created.id, secret)).status, 200);
    await app.close();

    // A new key, the old one still readable: nothing breaks.
    app = await startTestApp({ SECRETS_KEY: KEY_2, SECRETS_KEY_PREVIOUS: KEY_1 }, { database });
    assert.equal((await deliver(app, created.id, oldSecret)).status, 200, 'the previous secret, still in its grace');
    // Stopped first: the embedded database admits one process at a time (the script holds it while it runs).
    await app.close();

    const where: Record<string, string> = database.dataDir === undefined ? { DATABASE_URL: database.url } : { DATA_DIR: database.dataDir };
    const run = await reencrypt({ ...where, SECRETS_KEY: KEY_2, SECRETS_KEY_PREVIOUS: KEY_1 });
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /Re-encrypted 1 of 1 subscriptions/);
    assert.match(run.output, /Re-encrypted 1 of 1 destinations/);
    const again = await reencrypt({ ...where, SECRETS_KEY: KEY_2, SECRETS_KEY_PREVIOUS: KEY_1 });
    assert.match(again.output, /Re-encrypted 0 of 1 subscriptions/, 'running it twice changes nothing');
    assert.match(again.output, /Re-encrypted 0 of 1 destinations/);

    // The old key gone altogether.
    app = await startTestApp({ SECRETS_KEY: KEY_2 }, { database });
    const moved = await rawSubscription(app, created.id);
    for (const value of [moved.secret, moved.previous_secret!, moved.required_headers['X-Api-Key']]) {
      assert.match(value, new RegExp(`^enc:v1:${keyId(KEY_2)}:`));
    }
    assert.equal((await deliver(app, created.id, secret)).status, 200);
    const read = await app.api('get', `/api/subscriptions/${created.id}`);
    assert.deepEqual(read.body.requiredHeaders, ['X-Api-Key']);
    for (const value of Object.values(await rawDestination(app, destination.body.id))) assert.match(value, new RegExp(`^enc:v1:${keyId(KEY_2)}:`));
    const readDestination = await app.api('get', `/api/destinations/${destination.body.id}`);
    assert.equal(readDestination.status, 200, 'readable under the new key alone');
    assert.deepEqual(readDestination.body.headerNames, ['Authorization']);
  });

  it('never returns a secret in an API answer or an error body', async () => {
    app ??= await startTestApp({ SECRETS_KEY: KEY_2 }, { database });
    const created = await createSubscription(app, { vendor: 'walnut', requiredHeaders: { 'X-Api-Key': 'header-secret-value' } });
    await deliver(app, created.id, created.secret!);
    const destination = (await app.api('post', '/api/destinations', { name: 'Orders', url: 'http://127.0.0.1:1/in', headers: { Authorization: 'Bearer destination-header-value' } })).body;
    const rotated = (await app.api('post', `/api/destinations/${destination.id}/rotate-secret`, { graceSeconds: 3600 })).body;
    // One after the other, so each answer is the one expected (a 404 or 500 would hide nothing).
    const answers = [];
    for (const call of [
      () => app!.api('get', `/api/subscriptions/${created.id}`),
      () => app!.api('get', '/api/subscriptions?limit=500'),
      () => app!.api('get', '/api/events?limit=500'),
      () => app!.api('patch', `/api/subscriptions/${created.id}`, { name: 'renamed' }),
      () => app!.api('post', `/api/subscriptions/${created.id}/disable`, {}),
      () => app!.api('post', `/api/subscriptions/${created.id}/enable`),
      () => app!.api('get', `/api/subscriptions/${created.id}/rejections`),
      // Refused as too short: the error must not echo it either.
      () => app!.api('post', '/api/subscriptions', { vendor: 'walnut', name: 'x', secret: 'Zq9x' }),
      () => app!.api('get', `/api/destinations/${destination.id}`),
      () => app!.api('get', '/api/destinations?limit=500'),
      () => app!.api('patch', `/api/destinations/${destination.id}`, { name: 'renamed' }),
      () => app!.api('post', `/api/destinations/${destination.id}/pause`),
      () => app!.api('post', `/api/destinations/${destination.id}/resume`),
      () => app!.api('post', `/api/destinations/${destination.id}/test`),
      () => app!.api('post', `/api/destinations/${destination.id}/replay`, { dryRun: true }),
      () => app!.api('get', '/api/deliveries'),
      // Refused: the error must not echo the header value.
      () => app!.api('patch', `/api/destinations/${destination.id}`, { headers: { Connection: 'destination-header-value' } }),
      () => app!.api('post', `/api/destinations/${destination.id}/rotate-secret`, {}),
    ]) {
      answers.push(await call());
    }
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200, 200, 200, 200, 400, 200, 200, 200, 200, 200, 200, 200, 200, 400, 409],
    );
    const refused = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${created.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature('wrong-secret', SAMPLE), 'X-Api-Key': 'header-secret-value' },
      body: SAMPLE,
    });
    const text = answers.map((answer) => answer.text).join('\n') + refused.text;
    assert.equal(refused.status, 401);
    for (const secret of [created.secret!, 'header-secret-value', 'Zq9x', destination.signingSecret, rotated.signingSecret, 'destination-header-value']) {
      assert.ok(!text.includes(secret), secret);
    }
  });
});
