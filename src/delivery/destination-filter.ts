import { WebhookEventStatus } from '../events/webhook-event.entity';
import type { DestinationFilter } from './destination.entity';

/**
 * The destination filter as SQL over webhook_events (alias `e`): fields combine with AND, the
 * values of one field with OR; statuses default to accepted, test events are left out unless
 * includeTest. Appends its values to `params` (positional $n). The one definition of which events
 * a destination receives.
 */
export function destinationFilterSql(filter: DestinationFilter, params: unknown[], alias = 'e'): string {
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions = [`${alias}.status = ANY(${param(filter.statuses?.length ? filter.statuses : [WebhookEventStatus.Accepted])}::text[])`];
  if (filter.vendors?.length) conditions.push(`${alias}.vendor = ANY(${param(filter.vendors)}::text[])`);
  if (filter.subscriptionIds?.length) conditions.push(`${alias}.subscription_id = ANY(${param(filter.subscriptionIds)}::uuid[])`);
  if (filter.eventTypes?.length) conditions.push(`${alias}.event_type = ANY(${param(filter.eventTypes)}::text[])`);
  if (!filter.includeTest) conditions.push(`NOT ${alias}.is_test`);
  return conditions.join(' AND ');
}
