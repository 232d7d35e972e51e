/** One sample's value from Prometheus text exposition, e.g. metric('webhook_requests_total{vendor="walnut",outcome="accepted"}'). */
export function metricValue(exposition: string, series: string): number {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
