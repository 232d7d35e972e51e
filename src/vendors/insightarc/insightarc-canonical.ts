/**
 * The form of a delivery InsightArc's own sample signs and verifies: JSON.stringify of the parsed
 * body (compact, keys in the order sent). Whitespace, a byte-order mark or escapes in the raw bytes
 * do not change it, so it is also what identifies a delivery. Null when there is none: nothing was
 * parsed, or it nests too deep to re-serialise (the raw bytes still count).
 */
export function insightArcCanonicalBody(payload: unknown): string | null {
  if (payload === undefined) return null;
  try {
    return JSON.stringify(payload);
  } catch {
    return null;
  }
}
