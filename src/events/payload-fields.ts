/** Defensive readers for vendor payloads that may not match their documented shape. */

export function fieldAt(payload: unknown, path: string): unknown {
  let current: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A string or number field as a non-empty string, else null. */
export function stringAt(payload: unknown, path: string, maxLength = 200): string | null {
  const value = fieldAt(payload, path);
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && text.length > 0 && text.length <= maxLength ? text : null;
}

/** An ISO-8601 date field as a Date, else null. */
export function isoDateAt(payload: unknown, path: string): Date | null {
  const value = fieldAt(payload, path);
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The deepest payloads are validated to; deeper ones are quarantined unread (the DTO walk is recursive). */
export const MAX_VALIDATED_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `limit` levels, found without recursion. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
