import assert from 'node:assert/strict';
import type { lookup } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { retryAfter } from '../../src/common/capped-request';
import { DeliveryHttp } from '../../src/delivery/delivery-http';
import { generateSigningSecret, signatureHeaders, validSigningSecrets } from '../../src/delivery/delivery-signer';
import { DestinationHostPolicy } from '../../src/delivery/destination-host-policy';
import { loadDeliveryConfig } from '../../src/delivery/delivery.config';
import { redactStaticHeaders } from '../../src/delivery/delivery.view';

const policyWith = (allowedHosts?: string[]) => new DestinationHostPolicy(loadDeliveryConfig(allowedHosts ? { DESTINATION_ALLOWED_HOSTS: allowedHosts.join(',') } : {}));

/** A policy whose DNS answers every name with `address`: a name that resolves to a metadata address. */
class ResolvingTo extends DestinationHostPolicy {
  constructor(address: string) {
    super(loadDeliveryConfig({}));
    this.resolve = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options?.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4)) as unknown as typeof lookup;
  }
}

describe('Delivery signer', () => {
  it('generates whsec_ secrets of 32 random bytes that standardwebhooks accepts', () => {
    const secret = generateSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.notEqual(secret, generateSigningSecret());
    assert.doesNotThrow(() => new Webhook(secret));
  });

  it('signs with every secret given, each verifiable on its own by standardwebhooks', () => {
    const [current, previous] = [generateSigningSecret(), generateSigningSecret()];
    const body = JSON.stringify({ id: '1042', type: 'walnut.demo_session_finished' });
    const headers = signatureHeaders([current, previous], '1042', body);
    assert.equal(headers['webhook-id'], '1042');
    assert.match(headers['webhook-timestamp'], /^\d+$/);
    assert.match(headers['webhook-signature'], /^v1,\S+ v1,\S+$/);
    for (const secret of [current, previous]) assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(generateSigningSecret()).verify(body, headers), /No matching signature/);
    assert.throws(() => new Webhook(current).verify(body + ' ', headers), /No matching signature/, 'over the exact body');
  });

  it('signs with the previous secret only while its grace runs', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const destination = { signingSecret: 'whsec_new', previousSigningSecret: 'whsec_old', previousSecretExpiresAt: new Date('2030-01-01T00:00:01Z') };
    assert.deepEqual(validSigningSecrets(destination, now), ['whsec_new', 'whsec_old']);
    assert.deepEqual(validSigningSecrets({ ...destination, previousSecretExpiresAt: now }, now), ['whsec_new']);
    assert.deepEqual(validSigningSecrets({ ...destination, previousSigningSecret: null, previousSecretExpiresAt: null }, now), ['whsec_new']);
  });
});

describe('Destination host policy', () => {
  it('refuses link-local and cloud-metadata hosts, in every spelling, and allows the rest by default', () => {
    const policy = policyWith();
    for (const host of ['169.254.169.254', '169.254.0.1', '[fe80::1]', '[fd00:ec2::254]', '[::ffff:a9fe:a9fe]', '100.100.100.200', 'metadata.google.internal', 'METADATA.google.internal.', 'metadata']) {
      assert.ok(policy.hostProblem(host), `${host} is refused`);
    }
    for (const host of ['127.0.0.1', '10.0.0.7', 'orders.internal', '[::1]', 'localhost']) assert.equal(policy.hostProblem(host), null, host);
  });

  it('refuses the cloud-internal addresses outside link-local: GCP, AWS EKS and Scaleway over IPv6, Azure WireServer, Oracle Cloud', () => {
    const policy = policyWith();
    for (const host of ['[fd20:ce::254]', '[fd00:ec2::23]', '[fd00:42::42]', '[FD00:0042:0:0:0:0:0:0042]', '168.63.129.16', '192.0.0.192']) {
      assert.match(policy.hostProblem(host) ?? 'allowed', /link-local or cloud-metadata/, host);
    }
    for (const host of ['[fd20:ce::253]', '[fd00:ec2::24]', '[fd00:42::43]', '168.63.129.17', '192.0.0.193']) assert.equal(policy.hostProblem(host), null, host);
  });

  it('unwraps IPv4 carried in local-use NAT64 (every RFC 6052 layout from /48) and 6to4 before checking', () => {
    const policy = policyWith();
    for (const host of [
      '[64:ff9b:1:a9fe:a9:fe00::]', // /48: bits 48-63 and 72-87 (the "u" octet between)
      '[64:ff9b:1:a9:fe:a9fe::]', // /56: bytes 7, 9, 10 and 11
      '[64:ff9b:1:0:a9:fea9:fe00:0]', // /64: bytes 9-12
      '[64:ff9b:1::a9fe:a9fe]', // the last 32 bits
      '[64:ff9b:1::169.254.169.254]',
      '[64:ff9b:1:a83f:81:1000::]', // 168.63.129.16 in the /48 layout
      '[2002:a9fe:a9fe::]', // 6to4
      '[2002:a9fe:a9fe:1::1]',
      '[2002:c000:00c0::]', // 192.0.0.192
    ]) {
      assert.match(policy.hostProblem(host) ?? 'allowed', /link-local or cloud-metadata/, host);
    }
    // The same prefixes carrying an ordinary address (10.0.0.7), and look-alikes outside them.
    for (const host of ['[64:ff9b:1:a00:0:700::]', '[64:ff9b:1::a00:7]', '[2002:a00:7::]', '[2002::1]', '[64:ff9b:2::a9fe:a9fe]', '[2003:a9fe:a9fe::]']) {
      assert.equal(policy.hostProblem(host), null, host);
    }
  });

  it('with DESTINATION_ALLOWED_HOSTS, allows only those names, exact or *.suffix', () => {
    const policy = policyWith(['orders.internal', '*.svc.example.com']);
    assert.equal(policy.hostProblem('orders.internal'), null);
    assert.equal(policy.hostProblem('a.svc.example.com'), null);
    assert.equal(policy.hostProblem('a.b.svc.example.com'), null);
    assert.match(policy.hostProblem('svc.example.com')!, /DESTINATION_ALLOWED_HOSTS/, '*.suffix is for names under it');
    assert.match(policy.hostProblem('evilsvc.example.com')!, /DESTINATION_ALLOWED_HOSTS/);
    assert.match(policy.hostProblem('billing.internal')!, /DESTINATION_ALLOWED_HOSTS/);
    assert.match(policyWith(['169.254.169.254']).hostProblem('169.254.169.254')!, /metadata/, 'never a metadata address');
  });
});

describe('Static header redaction', () => {
  const headers = { authorization: 'Bearer s3cret-token', 'x-quoted': 'a"b\\c-long', 'x-short': 'abc' };

  it('hides every static header value a destination echoes, as sent or JSON-escaped, and leaves short values alone', () => {
    const echoed = JSON.stringify({ authorization: headers.authorization, 'x-quoted': headers['x-quoted'], 'x-short': 'abc', note: 'Bearer s3cret-token again' });
    assert.equal(
      redactStaticHeaders(echoed, headers),
      '{"authorization":"[redacted]","x-quoted":"[redacted]","x-short":"abc","note":"[redacted] again"}',
    );
    assert.equal(redactStaticHeaders('nothing of theirs', headers), 'nothing of theirs');
  });

  it('hides the start of a value the 4 KB cut left at the end', () => {
    assert.equal(redactStaticHeaders('x'.repeat(10) + 'Bearer s3c', headers), `${'x'.repeat(10)}[redacted]`);
    assert.equal(redactStaticHeaders('ends with Bea', headers), 'ends with Bea', 'three characters are no credential');
  });
});

describe('Delivery HTTP sender', () => {
  let server: Server;
  let base: string;
  const received: string[] = [];
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/ok': (_request, response) => response.writeHead(200, { 'x-consumer': 'yes' }).end('{"ok":true}'),
    '/redirect': (_request, response) => response.writeHead(302, { location: `${base}/ok` }).end(),
    '/throttled': (_request, response) => response.writeHead(429, { 'retry-after': '7' }).end('slow down'),
    '/endless': (_request, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'.repeat(1000)), 5);
      response.on('close', () => clearInterval(timer));
    },
    '/hang': () => undefined,
  };

  before(async () => {
    server = createServer((request, response) => {
      received.push(`${request.method} ${request.url} ${request.headers['x-static'] ?? ''}`);
      request.resume();
      request.on('end', () => routes[request.url ?? '']?.(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the body with the headers given and reports the answer', async () => {
    const http = new DeliveryHttp(policyWith());
    const result = await http.post(`${base}/ok`, { 'x-static': 'v', 'content-type': 'application/json' }, '{}', 2000);
    http.close();
    assert.equal(result.statusCode, 200);
    assert.equal(result.responseBody, '{"ok":true}');
    assert.equal(result.responseHeaders['x-consumer'], 'yes');
    assert.equal(result.error, null);
    assert.ok(received.includes('POST /ok v'));
  });

  it('never follows a redirect', async () => {
    const http = new DeliveryHttp(policyWith());
    const before = received.length;
    const result = await http.post(`${base}/redirect`, {}, '{}', 2000);
    http.close();
    assert.equal(result.statusCode, 302);
    assert.deepEqual(received.slice(before), ['POST /redirect '], 'the Location was not called');
  });

  it("reads Retry-After, in seconds or as a date", async () => {
    const http = new DeliveryHttp(policyWith());
    const result = await http.post(`${base}/throttled`, {}, '{}', 2000);
    http.close();
    assert.equal(result.statusCode, 429);
    assert.equal(result.retryAfterSeconds, 7);
    assert.equal(retryAfter(new Date(Date.now() + 60_000).toUTCString())! > 50, true);
    assert.equal(retryAfter('soon'), null);
  });

  it('reads at most 4 KB of an endless answer, and times out a hanging one, without throwing', async () => {
    const http = new DeliveryHttp(policyWith());
    const endless = await http.post(`${base}/endless`, {}, '{}', 10_000);
    assert.equal(endless.statusCode, 200);
    assert.equal(endless.responseBody!.length, 4096);
    const hanging = await http.post(`${base}/hang`, {}, '{}', 200);
    assert.equal(hanging.statusCode, null);
    assert.match(hanging.error!, /timeout/);
    const refused = await http.post('http://127.0.0.1:1/', {}, '{}', 2000);
    assert.match(refused.error!, /ECONNREFUSED/);
    const controller = new AbortController();
    const aborted = http.post(`${base}/hang`, {}, '{}', 10_000, controller.signal);
    setImmediate(() => controller.abort());
    assert.match((await aborted).error!, /aborted/);
    http.close();
  });

  it('refuses a metadata address given as the URL, and a name that resolves to one at connect time', async () => {
    const http = new DeliveryHttp(policyWith());
    const literal = await http.post('http://169.254.169.254/latest/meta-data/', {}, '{}', 2000);
    assert.match(literal.error!, /DESTINATION_HOST_NOT_ALLOWED/);
    http.close();
    const port = (server.address() as AddressInfo).port;
    const before = received.length;
    const rebinding = new DeliveryHttp(new ResolvingTo('169.254.169.254'));
    const resolved = await rebinding.post(`http://orders.internal:${port}/ok`, {}, '{}', 2000);
    rebinding.close();
    assert.equal(resolved.statusCode, null);
    assert.match(resolved.error!, /DESTINATION_HOST_NOT_ALLOWED: orders.internal resolves to 169.254.169.254/);
    // The same name resolving to loopback goes through: the lookup is what refused it.
    const loopback = new DeliveryHttp(new ResolvingTo('127.0.0.1'));
    const ok = await loopback.post(`http://orders.internal:${port}/ok`, {}, '{}', 2000);
    loopback.close();
    assert.equal(ok.statusCode, 200, ok.error ?? '');
    assert.equal(received.length, before + 1);
  });
});
