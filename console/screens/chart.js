import { html } from '../lib.js';

const WIDTH = 720;
const TALL = 180;
/** Almost empty (a few minutes with events): a low strip, so a handful of dots does not take the screen. */
const LOW = 64;
const SPARSE_SLOTS = 5;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

/** Events per minute per vendor as an inline SVG line chart (GET /api/events/stats). */
export function EventChart({ stats }) {
  const start = Date.parse(stats.since);
  const end = Date.parse(stats.until);
  const step = stats.bucket === 'hour' ? 3_600_000 : 60_000;
  const first = Math.floor(start / step) * step;
  const slots = Math.max(1, Math.ceil((end - first) / step));
  if (stats.series.length === 0) {
    return html`<div class="empty">No events in the last ${Math.round((end - start) / 3_600_000)} hours. Send a test event from a subscription's page to see one here.</div>`;
  }
  const max = Math.max(1, ...stats.series.flatMap((series) => series.points.map((point) => point.count)));
  const busySlots = new Set(stats.series.flatMap((series) => series.points.filter((point) => point.count > 0).map((point) => point.at))).size;
  const sparse = busySlots <= SPARSE_SLOTS;
  const HEIGHT = sparse ? LOW : TALL;
  const x = (slot) => PAD.left + (slot / Math.max(1, slots - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (count) => HEIGHT - PAD.bottom - (count / max) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = stats.series.map((series, index) => {
    const counts = new Array(slots).fill(0);
    for (const point of series.points) {
      const slot = Math.round((Date.parse(point.at) - first) / step);
      if (slot >= 0 && slot < slots) counts[slot] = point.count;
    }
    const points = counts.map((count, slot) => `${x(slot).toFixed(1)},${y(count).toFixed(1)}`).join(' ');
    return html`<polyline class=${`series series-${index % 6}`} points=${points}><title>${series.vendor}</title></polyline>`;
  });
  const label = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return html`<figure class=${sparse ? 'chart chart-sparse' : 'chart'}>
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Events per ${stats.bucket} per vendor">
      <line class="axis" x1=${PAD.left} y1=${HEIGHT - PAD.bottom} x2=${WIDTH - PAD.right} y2=${HEIGHT - PAD.bottom} />
      <line class="axis" x1=${PAD.left} y1=${PAD.top} x2=${PAD.left} y2=${HEIGHT - PAD.bottom} />
      <text class="tick" x=${PAD.left - 4} y=${PAD.top + 8} text-anchor="end">${max}</text>
      <text class="tick" x=${PAD.left - 4} y=${HEIGHT - PAD.bottom} text-anchor="end">0</text>
      <text class="tick" x=${PAD.left} y=${HEIGHT - 6}>${label(first)}</text>
      <text class="tick" x=${WIDTH - PAD.right} y=${HEIGHT - 6} text-anchor="end">${label(end)}</text>
      ${lines}
    </svg>
    <figcaption>${stats.series.map((series, index) => html`<span class="legend"><span class=${`swatch series-${index % 6}`}></span>${series.vendor} (${series.points.reduce((sum, point) => sum + point.count, 0)})</span>`)}</figcaption>
  </figure>`;
}
