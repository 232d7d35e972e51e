import type { EntityManager } from 'typeorm';
import { DestinationStatus, type Destination } from './destination.entity';

/** The recent window a destination's health is read over: long enough to judge, short enough to read cheaply. */
export const HEALTH_WINDOW = { label: '1h', seconds: 3600 } as const;

export type HealthState = 'healthy' | 'failing' | 'throttled' | 'idle' | 'paused' | 'disabled';

/** What the attempt log of the window says about one destination. */
export interface RecentAttempts {
  attempts: number;
  succeeded: number;
  /** Of those attempts, the ones answered 429/503 with Retry-After. */
  throttled: number;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** Failed attempts after the window's last success (all of them when none succeeded). */
  failuresSinceSuccess: number;
}

const NONE: RecentAttempts = { attempts: 0, succeeded: 0, throttled: 0, lastSuccessAt: null, lastFailureAt: null, failuresSinceSuccess: 0 };

/**
 * The window's attempts of these destinations, counted in one statement: the index on
 * delivery_attempts (at) reads only the window, each attempt joined to its delivery by key.
 * An attempt succeeded when it was answered 2xx, as the worker counts it.
 */
export async function recentAttempts(manager: EntityManager, ids: string[]): Promise<Map<string, RecentAttempts>> {
  if (ids.length === 0) return new Map();
  const rows = (await manager.query(
    `SELECT destination_id AS id, count(*)::int AS attempts, count(*) FILTER (WHERE ok)::int AS succeeded, count(*) FILTER (WHERE throttled)::int AS throttled,
            max(at) FILTER (WHERE ok) AS last_success, max(at) FILTER (WHERE NOT ok) AS last_failure,
            count(*) FILTER (WHERE NOT ok AND at > COALESCE(last_ok, '-infinity'))::int AS failures_since_success
       FROM (SELECT d.destination_id, a.at, a.throttled, COALESCE(a.status_code BETWEEN 200 AND 299, false) AS ok,
                    max(a.at) FILTER (WHERE a.status_code BETWEEN 200 AND 299) OVER (PARTITION BY d.destination_id) AS last_ok
               FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
              WHERE a.at > now() - make_interval(secs => $1::int) AND d.destination_id = ANY($2::uuid[])) recent
      GROUP BY destination_id`,
    [HEALTH_WINDOW.seconds, ids],
  )) as Array<{ id: string; attempts: number; succeeded: number; throttled: number; last_success: Date | null; last_failure: Date | null; failures_since_success: number }>;
  return new Map(
    rows.map((row) => [
      row.id,
      {
        attempts: row.attempts,
        succeeded: row.succeeded,
        throttled: row.throttled,
        lastSuccessAt: row.last_success,
        lastFailureAt: row.last_failure,
        failuresSinceSuccess: row.failures_since_success,
      },
    ]),
  );
}

export function recentOf(map: Map<string, RecentAttempts>, id: string): RecentAttempts {
  return map.get(id) ?? NONE;
}

/**
 * One word for the operator, most pressing first: an operator's pause or the gateway's disable,
 * then a throttle in force, then failing (the last attempt failed, or none in the window succeeded),
 * idle (no attempt in the window), else healthy.
 */
export function healthState(destination: Pick<Destination, 'status' | 'throttledUntil' | 'failingSince'>, recent: RecentAttempts, now = new Date()): HealthState {
  if (destination.status === DestinationStatus.Paused) return 'paused';
  if (destination.status === DestinationStatus.Disabled) return 'disabled';
  if (destination.throttledUntil && destination.throttledUntil > now) return 'throttled';
  if (destination.failingSince || (recent.attempts > 0 && recent.succeeded === 0)) return 'failing';
  if (recent.attempts === 0) return 'idle';
  return 'healthy';
}
