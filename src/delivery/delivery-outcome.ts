import { backoffCeiling } from '../common/backoff';
/**
 * What an attempt's answer means for its delivery and its destination: the outcome rules in one
 * place, pure, so they are unit-tested apart from the network and the database.
 */
export type AttemptOutcome =
  /** 2xx. */
  | { kind: 'delivered' }
  /**
   * 410: the destination is disabled (`reason`) and this delivery ends failed (`error`), so that a
   * resume delivers the rest rather than sending this one again and being disabled again.
   */
  | { kind: 'gone'; reason: string; error: string }
  /** 429/503 with Retry-After: nothing goes to the destination before `until`; the delivery stays pending, the attempt not counted. */
  | { kind: 'throttled'; until: Date }
  /** 429/503 with Retry-After for an event older than DELIVERY_MAX_AGE_SECONDS: the destination throttled as above, the delivery failed. */
  | { kind: 'throttled-out'; until: Date; error: string }
  /** Any other failure: tried again at `retryAt` (full-jitter exponential backoff). */
  | { kind: 'retry'; retryAt: Date; error: string }
  /** Out of attempts or too old: the dead-letter state, kept for retry and replay. */
  | { kind: 'failed'; error: string };

export type AttemptOutcomeKind = AttemptOutcome['kind'];

export interface AttemptAnswer {
  statusCode: number | null;
  error: string | null;
  retryAfterSeconds: number | null;
}

export interface OutcomeRules {
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  maxAttempts: number;
  maxAgeSeconds: number;
}

/**
 * Ordering `subscription` with orderingMaxHoldSeconds: the attempted delivery is its subscription's
 * head, holding back the rest since `since` (its round's first attempt) for at most `seconds`.
 */
export interface HoldBound {
  since: Date;
  seconds: number;
}

/** The error an attempt leaves on its delivery: the network's, or the status that was not 2xx. */
export function describeAttempt(answer: AttemptAnswer): string | null {
  if (answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300) return null;
  if (answer.statusCode !== null) {
    const redirect = answer.statusCode >= 300 && answer.statusCode < 400 ? ' (redirects are not followed)' : '';
    return `answered ${answer.statusCode}${redirect}`;
  }
  return answer.error ?? 'no answer';
}

/**
 * @param attempts the attempts made so far, this one included
 * @param eventReceivedAt when the gateway received the event (DELIVERY_MAX_AGE_SECONDS counts from it)
 * @param random a number in [0, 1) for the jitter
 * @param hold an ordered head's bound: past it a failure ends the delivery, and no retry is scheduled after it
 */
export function decideOutcome(
  answer: AttemptAnswer,
  attempts: number,
  eventReceivedAt: Date,
  rules: OutcomeRules,
  now: Date = new Date(),
  random: () => number = Math.random,
  hold: HoldBound | null = null,
): AttemptOutcome {
  const status = answer.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) {
    return { kind: 'gone', reason: 'The destination answered 410 Gone', error: 'answered 410 Gone: the destination was disabled; retry this delivery on purpose once it takes the event again' };
  }
  const tooOld = now.getTime() - eventReceivedAt.getTime() >= rules.maxAgeSeconds * 1000;
  if ((status === 429 || status === 503) && answer.retryAfterSeconds !== null) {
    // Honoured, within the longest backoff: a bogus Retry-After of a year does not park the destination for a year.
    const seconds = Math.min(Math.max(answer.retryAfterSeconds, 1), rules.backoffMaxSeconds);
    const until = new Date(now.getTime() + seconds * 1000);
    // Throttled for ever must end too: the age limit applies, though throttles are not counted as attempts.
    if (tooOld) return { kind: 'throttled-out', until, error: `answered ${status} with Retry-After; gave up: the event is older than ${rules.maxAgeSeconds} s` };
    return { kind: 'throttled', until };
  }
  const error = describeAttempt(answer) ?? 'failed';
  if (attempts >= rules.maxAttempts) return { kind: 'failed', error: `${error}; gave up after ${attempts} attempts` };
  if (tooOld) {
    return { kind: 'failed', error: `${error}; gave up: the event is older than ${rules.maxAgeSeconds} s` };
  }
  const holdEnds = hold ? hold.since.getTime() + hold.seconds * 1000 : Infinity;
  if (now.getTime() >= holdEnds) {
    return { kind: 'failed', error: `${error}; gave up: held back its subscription for more than ${hold!.seconds} s (orderingMaxHoldSeconds)` };
  }
  // Full jitter: anywhere from now to the exponential ceiling, so retries spread out; an ordered
  // head's last retry comes when its hold ends, so the line waits no longer than the bound.
  const ceilingSeconds = backoffCeiling(attempts - 1, rules.backoffBaseSeconds, rules.backoffMaxSeconds);
  const retryAt = Math.min(now.getTime() + Math.floor(random() * ceilingSeconds * 1000), holdEnds);
  return { kind: 'retry', retryAt: new Date(retryAt), error };
}
