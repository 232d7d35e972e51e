/**
 * InsideView documents `yyyy-MM-dd'T'HH:mm:ssZ` (2020-02-26T11:52:29+0000) but its example sends
 * 2020-02-26 11:52:29:00+0000 (a space, and a fourth colon-separated field). Both are read here;
 * the fourth field is taken as a fraction of a second.
 */
const INSIDEVIEW_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[:.](\d{1,6}))?\s?(Z|([+-])(\d{2}):?(\d{2}))$/;

export function parseInsideViewDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = INSIDEVIEW_DATE.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [, , , , , , , fraction, , sign, offsetHours, offsetMinutes] = match;
  // Date.UTC rolls what is out of range over (2020-02-30 → March 1st, 24:00 → the next day, :60 → the
  // next minute): such a date is refused, never stored as another instant.
  const wallClock = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const readBack = [wallClock.getUTCFullYear(), wallClock.getUTCMonth() + 1, wallClock.getUTCDate(), wallClock.getUTCHours(), wallClock.getUTCMinutes(), wallClock.getUTCSeconds()];
  if (readBack.some((field, index) => field !== [year, month, day, hour, minute, second][index])) return null;
  if (sign !== undefined && (Number(offsetHours) > 14 || Number(offsetMinutes) > 59)) return null;
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  const millis = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  return new Date(wallClock.getTime() + millis - offsetMs);
}
