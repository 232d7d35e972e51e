import { WebhookEventStatus } from '../events/webhook-event.entity';

/** The event statuses a destination receives when its filter names none. */
export const DEFAULT_FILTER_STATUSES = [WebhookEventStatus.Accepted];

/** True when the jsonb list is absent, null or empty: the field does not restrict. */
function unrestricted(list: string): string {
  return `(CASE WHEN jsonb_typeof(${list}) = 'array' THEN jsonb_array_length(${list}) ELSE 0 END = 0)`;
}

/**
 * SQL that is true when the event row `e` matches the destination filter given as a jsonb
 * expression: fields combine with AND, the values of one field with OR; `statuses` defaults to
 * accepted; test events only with `includeTest: true`. The fan-out and replay both use it, so the
 * two can never disagree.
 */
export function destinationFilterSql(filter: string, e: string): string {
  const field = (name: string, column: string) => `(${unrestricted(`${filter}->'${name}'`)} OR ${filter}->'${name}' @> to_jsonb(${column}::text))`;
  return `(${field('vendors', `${e}.vendor`)}
       AND ${field('subscriptionIds', `${e}.subscription_id`)}
       AND ${field('eventTypes', `${e}.event_type`)}
       AND (CASE WHEN ${unrestricted(`${filter}->'statuses'`)} THEN ${e}.status IN (${DEFAULT_FILTER_STATUSES.map((status) => `'${status}'`).join(', ')})
                 ELSE ${filter}->'statuses' @> to_jsonb(${e}.status::text) END)
       AND (NOT ${e}.is_test OR ${filter}->'includeTest' = 'true'::jsonb))`;
}
