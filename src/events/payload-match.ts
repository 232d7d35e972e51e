import { nestedDeeperThan } from './payload-fields';

/** The longest `payload` search taken, in characters: a search names a few fields, not a whole event. */
export const MAX_PAYLOAD_MATCH_LENGTH = 2048;
/** The deepest `payload` search taken (`{"a":{"b":…}}` is 2 levels). */
export const MAX_PAYLOAD_MATCH_DEPTH = 16;
/** Beyond this exponent a number is no value any payload holds, and PostgreSQL's numeric refuses some. */
const MAX_EXPONENT = 1000;

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** In valid JSON text: a string (skipped) or a number's exponent. */
const STRING_OR_EXPONENT = /"(?:[^"\\]|\\.)*"|[eE]([+-]?\d+)/g;

/**
 * Why `text` cannot be a payload search, or null when it can: it must be a JSON object (the events
 * whose payload contains it match, as jsonb `@>`), short, shallow, and hold only what jsonb can
 * store, so that PostgreSQL never refuses it (which would be a 5xx for bad input).
 */
export function payloadMatchProblem(text: unknown, name = 'payload'): string | null {
  const expected = `${name} must be a JSON object, such as {"data":{"session_id":"…"}}`;
  if (typeof text !== 'string') return `${expected}, given once`;
  if (text.length > MAX_PAYLOAD_MATCH_LENGTH) return `${name} must be at most ${MAX_PAYLOAD_MATCH_LENGTH} characters long`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${expected}: it is not valid JSON`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${expected}, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`;
  }
  if (nestedDeeperThan(value, MAX_PAYLOAD_MATCH_DEPTH)) return `${name} must not nest deeper than ${MAX_PAYLOAD_MATCH_DEPTH} levels`;
  // Escapes (\u0000, a lone \ud800) can write what jsonb refuses.
  if (hasUnstorableString(value)) {
    return `${name} must not contain the NUL character (\\u0000) or an unpaired UTF-16 surrogate`;
  }
  for (const match of text.matchAll(STRING_OR_EXPONENT)) {
    if (match[1] !== undefined && Math.abs(Number(match[1])) > MAX_EXPONENT) return `${name} holds a number with an exponent beyond ±${MAX_EXPONENT}`;
  }
  return null;
}

function hasUnstorableString(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (NUL.test(value) || LONE_SURROGATE.test(value)) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (NUL.test(key) || LONE_SURROGATE.test(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
