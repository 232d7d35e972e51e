import { backoffCeiling } from '../common/backoff';
/**
 * What an attempt's answer means for its delivery and its destination: the outcome rules in one
 * place, pure, so they are unit-tested apart from the network and the database.
 */
export type AttemptOutcome =
  /** 2xx. */
  | { kind: 'delivered' }
  /** 410: the destination is disabled (reason given); the delivery stays pending for when it is resumed. */
  | { kind: 'gone'; reason: string }
  /** 429/503 with Retry-After: nothing goes to the destination before `until`; the delivery stays pending. */
  | { kind: 'throttled'; until: Date }
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
 */
export function decideOutcome(
  answer: AttemptAnswer,
  attempts: number,
  eventReceivedAt: Date,
  rules: OutcomeRules,
  now: Date = new Date(),
  random: () => number = Math.random,
): AttemptOutcome {
  const status = answer.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone', reason: 'The destination answered 410 Gone' };
  if ((status === 429 || status === 503) && answer.retryAfterSeconds !== null) {
    // Honoured, within the longest backoff: a bogus Retry-After of a year does not park the destination for a year.
    const seconds = Math.min(Math.max(answer.retryAfterSeconds, 1), rules.backoffMaxSeconds);
    return { kind: 'throttled', until: new Date(now.getTime() + seconds * 1000) };
  }
  const error = describeAttempt(answer) ?? 'failed';
  if (attempts >= rules.maxAttempts) return { kind: 'failed', error: `${error}; gave up after ${attempts} attempts` };
  if (now.getTime() - eventReceivedAt.getTime() >= rules.maxAgeSeconds * 1000) {
    return { kind: 'failed', error: `${error}; gave up: the event is older than ${rules.maxAgeSeconds} s` };
  }
  // Full jitter: anywhere from now to the exponential ceiling, so retries spread out.
  const ceilingSeconds = backoffCeiling(attempts - 1, rules.backoffBaseSeconds, rules.backoffMaxSeconds);
  return { kind: 'retry', retryAt: new Date(now.getTime() + Math.floor(random() * ceilingSeconds * 1000)), error };
}
