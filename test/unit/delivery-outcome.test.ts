import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOutcome, type AttemptAnswer } from '../../src/delivery/delivery-outcome';

const rules = { backoffBaseSeconds: 5, backoffMaxSeconds: 3600, maxAttempts: 15, maxAgeSeconds: 3 * 86_400 };
const now = new Date('2026-01-01T12:00:00Z');
const received = new Date(now.getTime() - 60_000);
const answer = (statusCode: number | null, extra: Partial<AttemptAnswer> = {}): AttemptAnswer => ({ statusCode, error: null, retryAfterSeconds: null, ...extra });
const decide = (a: AttemptAnswer, attempts = 1, random = () => 0.5, at = received) => decideOutcome(a, attempts, at, rules, now, random);

describe('Delivery outcome rules', () => {
  it('treats every 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) assert.deepEqual(decide(answer(status)), { kind: 'delivered' });
  });

  it('treats a 3xx as a failure, never followed', () => {
    const outcome = decide(answer(301));
    assert.equal(outcome.kind, 'retry');
    assert.match((outcome as { error: string }).error, /301.*redirects are not followed/);
  });

  it('disables on 410, naming it, and ends that delivery as failed with the reason', () => {
    const outcome = decide(answer(410));
    assert.equal(outcome.kind, 'gone');
    assert.match((outcome as { reason: string }).reason, /410/);
    assert.match((outcome as { error: string }).error, /410 Gone: the destination was disabled/);
  });

  it('gives up a throttled delivery once the event is older than the age limit, still honouring the Retry-After', () => {
    const old = new Date(now.getTime() - 3 * 86_400_000);
    assert.deepEqual(decide(answer(429, { retryAfterSeconds: 30 }), 1, () => 0.5, old), {
      kind: 'throttled-out',
      until: new Date(now.getTime() + 30_000),
      error: 'answered 429 with Retry-After; gave up: the event is older than 259200 s',
    });
    assert.equal(decide(answer(503, { retryAfterSeconds: 30 }), 0, () => 0.5, new Date(now.getTime() - 3 * 86_400_000 + 1000)).kind, 'throttled', 'not before');
  });

  it('throttles on 429 and 503 with Retry-After until then, capped by the longest backoff', () => {
    assert.deepEqual(decide(answer(429, { retryAfterSeconds: 30 })), { kind: 'throttled', until: new Date(now.getTime() + 30_000) });
    assert.deepEqual(decide(answer(503, { retryAfterSeconds: 10 })), { kind: 'throttled', until: new Date(now.getTime() + 10_000) });
    assert.deepEqual(decide(answer(503, { retryAfterSeconds: 10 ** 9 })), { kind: 'throttled', until: new Date(now.getTime() + 3600_000) });
    assert.equal(decide(answer(429)).kind, 'retry', 'without Retry-After, an ordinary retry');
    assert.equal(decide(answer(500, { retryAfterSeconds: 10 })).kind, 'retry', 'Retry-After only counts on 429 and 503');
  });

  it('retries with full-jitter exponential backoff: anywhere from now to min(max, base * 2^(attempts-1))', () => {
    const at = (attempts: number, random: number) => (decide(answer(500), attempts, () => random) as { retryAt: Date }).retryAt.getTime() - now.getTime();
    assert.equal(at(1, 0), 0);
    assert.equal(at(1, 0.999999), 4999);
    assert.equal(at(3, 0.5), 10_000);
    assert.equal(at(12, 0.5), 1_800_000, 'capped at DELIVERY_BACKOFF_MAX_SECONDS');
    const network = decide(answer(null, { error: 'connect ECONNREFUSED' }));
    assert.equal(network.kind, 'retry');
    assert.equal((network as { error: string }).error, 'connect ECONNREFUSED');
  });

  it('fails once out of attempts or when the event is too old', () => {
    assert.equal(decide(answer(500), 14).kind, 'retry');
    const exhausted = decide(answer(500), 15);
    assert.equal(exhausted.kind, 'failed');
    assert.match((exhausted as { error: string }).error, /500.*15 attempts/);
    const old = decide(answer(null, { error: 'timed out' }), 2, () => 0.5, new Date(now.getTime() - 3 * 86_400_000));
    assert.equal(old.kind, 'failed');
    assert.match((old as { error: string }).error, /older than 259200 s/);
    assert.equal(decide(answer(200), 15).kind, 'delivered', 'a success on the last attempt still counts');
  });
});
