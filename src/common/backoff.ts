import { randomInt } from 'node:crypto';

/**
 * Exponential backoff with "equal jitter": for attempt n (from 0) a delay between half and all of
 * min(max, base·2ⁿ), so retries spread out instead of arriving together.
 */
export function backoffWithJitter(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = backoffCeiling(attempt, baseMs, maxMs);
  return randomInt(Math.floor(ceiling / 2), ceiling + 1);
}

/** The exponential ceiling for attempt n (from 0): min(max, base·2ⁿ), in the unit of base and max. */
export function backoffCeiling(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt));
}
