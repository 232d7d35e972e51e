import { ConfigError, EnvVariable, readEnv, WholeNumber, type Env } from '../config/env';
import { DESTINATION_LIMITS } from './dto/create-destination.dto';

/** What a lease outlasts its attempt's timeout by: time to build the message before and to record the outcome after. */
export const LEASE_MARGIN_SECONDS = 15;
/** The shortest DELIVERY_LEASE_SECONDS: the longest timeout a destination may have, plus the margin. */
export const MIN_LEASE_SECONDS = Math.ceil(DESTINATION_LIMITS.timeoutMs.max / 1000) + LEASE_MARGIN_SECONDS;

/** The delivery module's variables: how deliveries are retried, leased, paced and where they may go. */
export class DeliveryEnv {
  @WholeNumber(1, 86_400)
  DELIVERY_BACKOFF_BASE_SECONDS = 5;

  @WholeNumber(1, 7 * 86_400)
  DELIVERY_BACKOFF_MAX_SECONDS = 3600;

  @WholeNumber(1, 1000)
  DELIVERY_MAX_ATTEMPTS = 15;

  @WholeNumber(1, 365 * 86_400)
  DELIVERY_MAX_AGE_SECONDS = 3 * 86_400;

  /** Seconds, or a number with a unit: `90s`, `30m`, `12h`, `5d`. */
  @EnvVariable(durationProblem, durationSeconds)
  DESTINATION_DISABLE_AFTER = 5 * 86_400;

  /** Unset: each destination's timeout plus LEASE_MARGIN_SECONDS. */
  @WholeNumber(1, 3600)
  DELIVERY_LEASE_SECONDS?: number;

  /** Exact host names or IP addresses, or `*.suffix`, separated by commas. */
  @EnvVariable(allowedHostsProblem, (text) => text.split(',').map((entry) => entry.trim().toLowerCase().replace(/^\[|\]$/g, '')))
  DESTINATION_ALLOWED_HOSTS?: string[];

  @WholeNumber(10, 60_000)
  DELIVERY_POLL_MS = 250;

  @WholeNumber(1, 10_000)
  DELIVERY_CONCURRENCY = 100;

  /** `off`: this instance takes webhooks and serves the API, and leaves queueing and sending deliveries to the others. */
  @EnvVariable((text) => (/^(on|off)$/i.test(text) ? undefined : `must be on or off, got "${text}"`), (text) => text.toLowerCase() === 'on')
  DELIVERY_WORKER = true;

  @WholeNumber(1, 1_000_000)
  DELIVERY_SATURATED_RATE = 50;
}

/** How deliveries are retried, leased and paced. */
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
  /** Whether this instance queues and sends deliveries (DELIVERY_WORKER). */
  worker: boolean;
  /** Attempts a second this instance still starts while webhooks keep it saturated (see IngestPriority). */
  saturatedRate: number;
}

/** Nest injection token for the DeliveryConfig object (provided by DeliveryModule). */
export const DELIVERY_CONFIG = Symbol('DELIVERY_CONFIG');

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d+)\s*([smhd])?$/i;

function durationSeconds(text: string): number {
  const match = DURATION.exec(text)!;
  return Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()];
}

function durationProblem(text: string): string | undefined {
  const seconds = DURATION.test(text) ? durationSeconds(text) : NaN;
  return seconds >= 1 && seconds <= 365 * 86400 ? undefined : `must be a duration from 1s to 365d such as 3600, 12h or 5d, got "${text}"`;
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/i;

function allowedHostsProblem(text: string): string | undefined {
  const bad = text.split(',').map((entry) => entry.trim()).find((entry) => !HOST_PATTERN.test(entry));
  return bad === undefined ? undefined : `entries must be host names, IP addresses or *.suffix, separated by commas, got "${bad}"`;
}

/** Validates the delivery module's variables; throws ConfigError naming the first bad one. */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  const vars = readEnv(DeliveryEnv, env);
  if (!vars.DELIVERY_WORKER && !env.DATABASE_URL?.trim()) {
    // The embedded database serves this one process: with it off, nothing would ever be delivered.
    throw new ConfigError('DELIVERY_WORKER', 'can be off only with DATABASE_URL set, where other instances deliver; with the embedded database this process is the only one');
  }
  if (vars.DELIVERY_LEASE_SECONDS !== undefined && vars.DELIVERY_LEASE_SECONDS < MIN_LEASE_SECONDS) {
    // A lease that ends while its attempt still runs lets another instance send the event again.
    throw new ConfigError(
      'DELIVERY_LEASE_SECONDS',
      `must be at least ${MIN_LEASE_SECONDS} (the longest destination timeout, ${DESTINATION_LIMITS.timeoutMs.max / 1000} s, plus ${LEASE_MARGIN_SECONDS} s), got ${vars.DELIVERY_LEASE_SECONDS}; unset, each destination's lease is its timeout plus ${LEASE_MARGIN_SECONDS} s`,
    );
  }
  if (vars.DELIVERY_BACKOFF_MAX_SECONDS < vars.DELIVERY_BACKOFF_BASE_SECONDS) {
    throw new ConfigError('DELIVERY_BACKOFF_MAX_SECONDS', `must be at least DELIVERY_BACKOFF_BASE_SECONDS (${vars.DELIVERY_BACKOFF_BASE_SECONDS})`);
  }
  return {
    backoffBaseSeconds: vars.DELIVERY_BACKOFF_BASE_SECONDS,
    backoffMaxSeconds: vars.DELIVERY_BACKOFF_MAX_SECONDS,
    maxAttempts: vars.DELIVERY_MAX_ATTEMPTS,
    maxAgeSeconds: vars.DELIVERY_MAX_AGE_SECONDS,
    disableAfterSeconds: vars.DESTINATION_DISABLE_AFTER,
    leaseSeconds: vars.DELIVERY_LEASE_SECONDS,
    allowedHosts: vars.DESTINATION_ALLOWED_HOSTS,
    pollMs: vars.DELIVERY_POLL_MS,
    concurrency: vars.DELIVERY_CONCURRENCY,
    worker: vars.DELIVERY_WORKER,
    saturatedRate: vars.DELIVERY_SATURATED_RATE,
  };
}
