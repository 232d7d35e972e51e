import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideOutcome } from '../../src/delivery/delivery-outcome';

const rules = { backoffBaseSeconds: 600, backoffMaxSeconds: 3600, maxAttempts: 15, maxAgeSeconds: 86_400 };
const now = new Date('2026-01-01T12:00:00Z');
const received = new Date(now.getTime() - 60_000);
const failure = { statusCode: 500, error: null, retryAfterSeconds: null };

/** orderingMaxHoldSeconds: an ordered head's failures end it once it has held its subscription that long. */
describe('decideOutcome with an ordered head’s hold bound', () => {
  it('retries no later than the end of the hold', () => {
    const outcome = decideOutcome(failure, 1, received, rules, now, () => 0.99, { since: new Date(now.getTime() - 1_000), seconds: 30 });
    assert.deepEqual(outcome, { kind: 'retry', retryAt: new Date(now.getTime() + 29_000), error: 'answered 500' });
  });

  it('keeps the backoff when it ends before the hold does', () => {
    const outcome = decideOutcome(failure, 1, received, rules, now, () => 0.001, { since: now, seconds: 3600 });
    assert.deepEqual(outcome, { kind: 'retry', retryAt: new Date(now.getTime() + 600), error: 'answered 500' });
  });

  it('fails it once held for the bound', () => {
    const outcome = decideOutcome(failure, 2, received, rules, now, () => 0.5, { since: new Date(now.getTime() - 30_000), seconds: 30 });
    assert.deepEqual(outcome, { kind: 'failed', error: 'answered 500; gave up: held back its subscription for more than 30 s (orderingMaxHoldSeconds)' });
  });

  it('delivers whatever the hold', () => {
    assert.deepEqual(decideOutcome({ statusCode: 200, error: null, retryAfterSeconds: null }, 9, received, rules, now, () => 0.5, { since: new Date(0), seconds: 1 }), { kind: 'delivered' });
  });
});
