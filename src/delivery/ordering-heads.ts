import type { EntityManager } from 'typeorm';
import { ORDERED_HEADS_SQL } from './delivery-claim';

/** A subscription's head that has been tried and not delivered: with ordering `subscription`, it holds back the rest. */
export interface BlockedHead {
  subscriptionId: string | null;
  eventId: string;
  deliveryId: string;
  /** The first attempt of its current round (after a retry or replay, the first since): since when it holds the line. */
  since: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
}

/**
 * The blocked heads of one destination: each subscription's earliest pending delivery (the same skip
 * scan the claim reads, so it costs the same at any backlog) that has had at least one attempt.
 */
export async function blockedHeads(manager: EntityManager, destinationId: string): Promise<BlockedHead[]> {
  const rows = (await manager.query(
    `WITH RECURSIVE ${ORDERED_HEADS_SQL}
     SELECT l.subscription_id, l.event_id::text AS event_id, l.id::text AS delivery_id, l.attempts, l.next_attempt_at, l.last_status_code, l.last_error,
            COALESCE((SELECT min(a.at) FROM delivery_attempts a WHERE a.delivery_id = l.id AND a.at >= l.round_started_at),
                     l.round_started_at, (SELECT min(a.at) FROM delivery_attempts a WHERE a.delivery_id = l.id)) AS since
       FROM heads h JOIN deliveries l ON l.id = h.id
      WHERE l.last_error IS NOT NULL OR l.last_status_code IS NOT NULL
      ORDER BY since NULLS LAST, l.id`,
    [destinationId],
  )) as Array<{ subscription_id: string | null; event_id: string; delivery_id: string; attempts: number; next_attempt_at: Date; last_status_code: number | null; last_error: string | null; since: Date | null }>;
  return rows
    .filter((row) => row.since !== null)
    .map((row) => ({
      subscriptionId: row.subscription_id,
      eventId: row.event_id,
      deliveryId: row.delivery_id,
      since: new Date(row.since!),
      attempts: row.attempts,
      nextAttemptAt: new Date(row.next_attempt_at),
      lastStatusCode: row.last_status_code,
      lastError: row.last_error,
    }));
}
