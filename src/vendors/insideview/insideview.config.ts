import { IsString } from 'class-validator';
import { ByteSize, ConfigError, HttpUrl, KB, MB, readEnv, WholeNumber, type Env } from '../../config/env';

/** InsideView's variables: how the gateway reaches its API and paces its background work. */
export class InsideViewEnv {
  /** Client credentials (exchanged for tokens), or a fixed access token, or neither (InsideView off). */
  @IsString()
  INSIDEVIEW_CLIENT_ID?: string;

  @IsString()
  INSIDEVIEW_CLIENT_SECRET?: string;

  @HttpUrl()
  INSIDEVIEW_API_URL = 'https://api.insideview.com/api/v1';

  @HttpUrl()
  INSIDEVIEW_TOKEN_URL = 'https://login.insideview.com/Auth/login/v1/token.json';

  @IsString()
  INSIDEVIEW_ACCESS_TOKEN?: string;

  @WholeNumber(100, 120_000)
  INSIDEVIEW_TIMEOUT_MS = 10_000;

  /** Largest answer read from InsideView (an alert-details page); a longer one is cut off, never read whole. */
  @ByteSize(KB)
  INSIDEVIEW_RESPONSE_LIMIT = 8 * MB;

  /** Retries of one call on network errors and 5xx, with exponential backoff and jitter. */
  @WholeNumber(0, 10)
  INSIDEVIEW_MAX_RETRIES = 3;

  /** How long every call pauses after a 429 that names no Retry-After (InsideView's window is 5 min). */
  @WholeNumber(1, 3600)
  INSIDEVIEW_THROTTLE_SECONDS = 300;

  /** Alert-detail fetches before an alert is marked failed. */
  @WholeNumber(1, 100)
  ALERT_FETCH_MAX_ATTEMPTS = 8;

  @WholeNumber(1, 3600)
  ALERT_FETCH_LEASE_SECONDS = 120;

  @WholeNumber(10, 600_000)
  ALERT_FETCH_POLL_MS = 1000;

  @WholeNumber(1, 100)
  ALERT_FETCH_CONCURRENCY = 10;

  @WholeNumber(100, 86_400_000)
  INSIDEVIEW_STATUS_SYNC_MS = 30_000;
}

/** How the gateway reaches InsideView's API and paces its background work. */
export interface InsideViewConfig {
  apiUrl: string;
  tokenUrl: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  timeoutMs: number;
  responseLimitBytes: number;
  maxRetries: number;
  throttleSeconds: number;
  fetchMaxAttempts: number;
  fetchLeaseSeconds: number;
  fetchPollMs: number;
  fetchConcurrency: number;
  statusSyncIntervalMs: number;
}

/** Nest injection token for the InsideViewConfig object (provided by InsideViewModule). */
export const INSIDEVIEW_CONFIG = Symbol('INSIDEVIEW_CONFIG');

/** Validates InsideView's variables; throws ConfigError naming the first bad one. */
export function loadInsideViewConfig(env: Env): InsideViewConfig {
  const vars = readEnv(InsideViewEnv, env);
  if ((vars.INSIDEVIEW_CLIENT_ID === undefined) !== (vars.INSIDEVIEW_CLIENT_SECRET === undefined)) {
    throw new ConfigError(vars.INSIDEVIEW_CLIENT_ID ? 'INSIDEVIEW_CLIENT_SECRET' : 'INSIDEVIEW_CLIENT_ID', 'must be set together with its pair');
  }
  const config: InsideViewConfig = {
    apiUrl: vars.INSIDEVIEW_API_URL,
    tokenUrl: vars.INSIDEVIEW_TOKEN_URL,
    clientId: vars.INSIDEVIEW_CLIENT_ID,
    clientSecret: vars.INSIDEVIEW_CLIENT_SECRET,
    accessToken: vars.INSIDEVIEW_ACCESS_TOKEN,
    timeoutMs: vars.INSIDEVIEW_TIMEOUT_MS,
    responseLimitBytes: vars.INSIDEVIEW_RESPONSE_LIMIT,
    maxRetries: vars.INSIDEVIEW_MAX_RETRIES,
    throttleSeconds: vars.INSIDEVIEW_THROTTLE_SECONDS,
    fetchMaxAttempts: vars.ALERT_FETCH_MAX_ATTEMPTS,
    fetchLeaseSeconds: vars.ALERT_FETCH_LEASE_SECONDS,
    fetchPollMs: vars.ALERT_FETCH_POLL_MS,
    fetchConcurrency: vars.ALERT_FETCH_CONCURRENCY,
    statusSyncIntervalMs: vars.INSIDEVIEW_STATUS_SYNC_MS,
  };
  // One page may take a token request plus every retry of its call; the lease must outlast that,
  // or a second instance takes the alert over while the first is still fetching it.
  const worstPageMs = (config.maxRetries + 2) * config.timeoutMs + 10_000 * config.maxRetries;
  if (config.fetchLeaseSeconds * 1000 <= worstPageMs) {
    throw new ConfigError(
      'ALERT_FETCH_LEASE_SECONDS',
      `must exceed the longest a page can take (${Math.ceil(worstPageMs / 1000)} s with INSIDEVIEW_TIMEOUT_MS and INSIDEVIEW_MAX_RETRIES as set)`,
    );
  }
  return config;
}
