/**
 * InsideView documents `yyyy-MM-dd'T'HH:mm:ssZ` (2020-02-26T11:52:29+0000) but its example sends
 * 2020-02-26 11:52:29:00+0000 (a space, and a fourth colon-separated field). Both are read here;
 * the fourth field is taken as a fraction of a second.
 */
const INSIDEVIEW_DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[:.](\d{1,6}))?\s?(Z|[+-]\d{2}:?\d{2})$/;

export function parseInsideViewDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = INSIDEVIEW_DATE.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const millis = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  const offset = zone === 'Z' ? '+00:00' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}.${String(millis).padStart(3, '0')}${offset}`;
  const date = new Date(iso);
  // Reject what Date would roll over (2020-02-30, 25:00) rather than store another instant.
  if (Number.isNaN(date.getTime()) || Number(month) > 12 || Number(day) > 31 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) {
    return null;
  }
  return date;
}
