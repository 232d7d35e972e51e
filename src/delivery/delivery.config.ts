import { ConfigError } from '../config/app-config';

/** How deliveries to destinations are retried, leased and paced. */
export interface DeliveryConfig {
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  maxAttempts: number;
  maxAgeSeconds: number;
  /** A destination whose every attempt failed for this long is disabled. */
  disableAfterSeconds: number;
  /** Unset: each destination's timeout plus 15 s. */
  leaseSeconds?: number;
  /** Unset: any host but link-local and cloud-metadata addresses. Entries: exact names or `*.suffix`. */
  allowedHosts?: string[];
  /** How often each instance looks for new events to fan out and deliveries that are due (a local ingest wakes it at once). */
  pollMs: number;
  /** Attempts one instance has in flight at once, over every destination. */
  concurrency: number;
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const value = read(env, variable);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(variable, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, or a number with a unit: `90s`, `30m`, `12h`, `5d`. */
function duration(env: Env, variable: string, fallbackSeconds: number): number {
  const value = read(env, variable);
  if (value === undefined) return fallbackSeconds;
  const match = /^(\d+)\s*([smhd])?$/i.exec(value);
  const seconds = match ? Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()] : NaN;
  if (!match || seconds < 1 || seconds > 365 * 86400) {
    throw new ConfigError(variable, `must be a duration from 1s to 365d such as 3600, 12h or 5d, got "${value}"`);
  }
  return seconds;
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/i;

function allowedHosts(env: Env): string[] | undefined {
  const value = read(env, 'DESTINATION_ALLOWED_HOSTS');
  if (value === undefined) return undefined;
  return value.split(',').map((entry) => {
    const host = entry.trim().toLowerCase();
    if (!HOST_PATTERN.test(host)) {
      throw new ConfigError('DESTINATION_ALLOWED_HOSTS', `entries must be host names, IP addresses or *.suffix, separated by commas, got "${entry.trim()}"`);
    }
    return host.replace(/^\[|\]$/g, '');
  });
}

export function parseDeliveryConfig(env: Env): DeliveryConfig {
  const backoffBaseSeconds = integer(env, 'DELIVERY_BACKOFF_BASE_SECONDS', 5, 1, 86_400);
  const backoffMaxSeconds = integer(env, 'DELIVERY_BACKOFF_MAX_SECONDS', 3600, 1, 7 * 86_400);
  if (backoffMaxSeconds < backoffBaseSeconds) {
    throw new ConfigError('DELIVERY_BACKOFF_MAX_SECONDS', `must be at least DELIVERY_BACKOFF_BASE_SECONDS (${backoffBaseSeconds})`);
  }
  const lease = read(env, 'DELIVERY_LEASE_SECONDS');
  return {
    backoffBaseSeconds,
    backoffMaxSeconds,
    maxAttempts: integer(env, 'DELIVERY_MAX_ATTEMPTS', 15, 1, 1000),
    maxAgeSeconds: integer(env, 'DELIVERY_MAX_AGE_SECONDS', 3 * 86_400, 1, 365 * 86_400),
    disableAfterSeconds: duration(env, 'DESTINATION_DISABLE_AFTER', 5 * 86_400),
    leaseSeconds: lease === undefined ? undefined : integer(env, 'DELIVERY_LEASE_SECONDS', 0, 1, 3600),
    allowedHosts: allowedHosts(env),
    pollMs: integer(env, 'DELIVERY_POLL_MS', 250, 10, 60_000),
    concurrency: integer(env, 'DELIVERY_CONCURRENCY', 100, 1, 10_000),
  };
}
