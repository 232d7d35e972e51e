import { randomInt } from 'node:crypto';

/**
 * Exponential backoff with "equal jitter": for attempt n (from 0) a delay between half and all of
 * min(max, base·2ⁿ), so retries spread out instead of arriving together.
 */
export function backoffWithJitter(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return randomInt(Math.floor(ceiling / 2), ceiling + 1);
}
