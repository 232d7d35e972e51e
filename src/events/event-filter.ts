/** The event filters GET /api/events takes, and a destination's replay with it. */
export interface EventFilter {
  vendor?: string;
  subscriptionId?: string;
  eventType?: string;
  status?: string;
  /** Received at or after this instant (ISO-8601). */
  since?: string;
  /** Received before this instant (ISO-8601). */
  until?: string;
  /** JSON text of an object: events whose payload contains it (jsonb `@>`), checked by payloadMatchProblem. */
  payload?: string;
}

/**
 * The SQL conditions of `filter` on the webhook_events row `alias`, to be ANDed; a field left out or
 * empty (`?vendor=`) does not filter. Each value goes through `param`, which returns its placeholder
 * (`$3`, `:f0`, …), so any query style can use them.
 */
export function eventFilterConditions(filter: EventFilter, alias: string, param: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (filter.vendor) conditions.push(`${alias}.vendor = ${param(filter.vendor)}`);
  if (filter.subscriptionId) conditions.push(`${alias}.subscription_id = ${param(filter.subscriptionId)}`);
  if (filter.eventType) conditions.push(`${alias}.event_type = ${param(filter.eventType)}`);
  if (filter.status) conditions.push(`${alias}.status = ${param(filter.status)}`);
  if (filter.since) conditions.push(`${alias}.received_at >= ${param(new Date(filter.since))}`);
  if (filter.until) conditions.push(`${alias}.received_at < ${param(new Date(filter.until))}`);
  if (filter.payload) conditions.push(`${alias}.payload @> CAST(${param(filter.payload)} AS jsonb)`);
  return conditions;
}
