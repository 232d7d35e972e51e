import { DeliveryState } from './delivery.entity';

/**
 * Each subscription's head (its earliest pending delivery, by feed position) for destination $1, as
 * CTEs `subscriptions` and `heads` to follow a `WITH RECURSIVE`. A skip scan over the partial index
 * IDX_deliveries_ordering (destination_id, subscription_id, event_xid, event_id WHERE pending): one
 * index probe to find each next subscription, one to read its head, and one for events with no
 * subscription. Its cost grows with the subscriptions that have pending deliveries, never with how
 * many are pending (a NOT EXISTS over every pending row cost 60–106 ms a claim at 20,000).
 */
export const ORDERED_HEADS_SQL = `subscriptions (id) AS (
           (SELECT subscription_id FROM deliveries
             WHERE destination_id = $1 AND state = '${DeliveryState.Pending}' AND subscription_id IS NOT NULL
             ORDER BY subscription_id LIMIT 1)
           UNION ALL
           SELECT (SELECT n.subscription_id FROM deliveries n
                    WHERE n.destination_id = $1 AND n.state = '${DeliveryState.Pending}' AND n.subscription_id > s.id
                    ORDER BY n.subscription_id LIMIT 1)
             FROM subscriptions s WHERE s.id IS NOT NULL
         ), heads (id) AS (
           SELECT h.id FROM subscriptions s CROSS JOIN LATERAL (
             SELECT f.id FROM deliveries f
              WHERE f.destination_id = $1 AND f.state = '${DeliveryState.Pending}' AND f.subscription_id = s.id
              ORDER BY f.event_xid, f.event_id LIMIT 1) h
            WHERE s.id IS NOT NULL
           UNION ALL
           (SELECT f.id FROM deliveries f
             WHERE f.destination_id = $1 AND f.state = '${DeliveryState.Pending}' AND f.subscription_id IS NULL
             ORDER BY f.event_xid, f.event_id LIMIT 1)
         )`;

/**
 * The claim's second statement (the first locks the destination row, SKIP LOCKED): leases up to $2
 * due deliveries of destination $1 to owner $3 for $4 seconds, within max_concurrency (attempts in
 * flight counted through IDX_deliveries_leased, which holds only leased rows) and the rate bucket
 * shared by every instance, and returns them with their events. `ordered` (ordering `subscription`,
 * read under the row lock): only each subscription's head may be claimed (ORDERED_HEADS_SQL).
 * A round's first attempt (attempts 0: new, retried or replayed) sets round_started_at, from which
 * orderingMaxHoldSeconds counts.
 * Exported for `npm run bench`, which times it at a large backlog.
 */
export function claimStatement(ordered: boolean): string {
  const due = ordered
    ? `${ORDERED_HEADS_SQL}, due AS (
           SELECT l.id FROM heads h JOIN deliveries l ON l.id = h.id
            WHERE l.state = '${DeliveryState.Pending}' AND l.next_attempt_at <= now() AND (l.leased_until IS NULL OR l.leased_until <= now())
            ORDER BY l.next_attempt_at, l.id`
    : `due AS (
           SELECT l.id FROM deliveries l
            WHERE l.destination_id = $1 AND l.state = '${DeliveryState.Pending}' AND l.next_attempt_at <= now()
              AND (l.leased_until IS NULL OR l.leased_until <= now())
            ORDER BY l.next_attempt_at, l.id`;
  return `WITH RECURSIVE d AS (
           SELECT id, rate_limit_per_second,
                  CASE WHEN rate_limit_per_second IS NULL THEN NULL
                       ELSE LEAST(rate_limit_per_second::float8,
                                  COALESCE(rate_tokens, rate_limit_per_second::float8)
                                  + GREATEST(0, EXTRACT(EPOCH FROM now() - COALESCE(rate_refilled_at, now())))::float8 * rate_limit_per_second) END AS tokens,
                  GREATEST(0, max_concurrency - (SELECT count(*) FROM deliveries f
                                                  WHERE f.destination_id = $1 AND f.state = '${DeliveryState.Pending}'
                                                    AND f.leased_until IS NOT NULL AND f.leased_until > now()))::int AS slots
             FROM destinations WHERE id = $1
         ), ${due}
            LIMIT COALESCE((SELECT LEAST($2::int, slots, COALESCE(floor(tokens)::int, $2::int)) FROM d), 0)
              FOR UPDATE OF l SKIP LOCKED
         ), claimed AS (
           UPDATE deliveries l SET leased_until = now() + make_interval(secs => $4), leased_by = $3, attempts = l.attempts + 1,
                  round_started_at = CASE WHEN l.attempts = 0 OR l.round_started_at IS NULL THEN now() ELSE l.round_started_at END
             FROM due WHERE l.id = due.id
           RETURNING l.id, l.attempts, l.event_id, l.round_started_at
         ), spent AS (
           UPDATE destinations t SET rate_tokens = d.tokens - (SELECT count(*) FROM claimed), rate_refilled_at = now()
             FROM d WHERE t.id = d.id AND d.tokens IS NOT NULL
         )
         SELECT c.id::text AS id, c.attempts, c.round_started_at, e.id::text AS event_id, e.subscription_id, e.vendor, e.event_type, e.status, e.validation_errors,
                e.occurred_at, e.received_at, e.is_test, e.payload, e.raw_body, e.headers
           FROM claimed c JOIN webhook_events e ON e.id = c.event_id
          ORDER BY c.id`;
}
