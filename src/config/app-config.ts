import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { parseDeliveryConfig, type DeliveryConfig } from '../delivery/delivery.config';

/** The service's configuration, read from the environment and validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  publicBaseUrl: string;
  /**
   * Hosts besides PUBLIC_BASE_URL's that a callback URL may name (proxies, other public names), as
   * `host` (the scheme's default port) or `host:port`, lower-cased: the only places test events go.
   */
  callbackAllowedHosts: string[];
  /** Bearer tokens accepted by the management API, as configured (plain, or `sha256:<hex>`). */
  apiTokens: string[];
  /** SHA-256 of every accepted token: what the guard compares against. */
  apiTokenDigests: Buffer[];
  /** AES-256 key for secrets at rest, and older keys still accepted for decryption (rotation). */
  secretsKey: Buffer;
  previousSecretsKeys: Buffer[];
  /** Set when no SECRETS_KEY was configured and the embedded default keeps one in DATA_DIR. */
  generatedSecretsKey?: { file: string; createdNow: boolean };
  /** Set when no API_TOKENS were configured and the token lives in DATA_DIR instead. */
  generatedApiToken?: { file: string; createdNow: boolean };
  bodyLimitBytes: number;
  logLevels: LogLevel[];
  /** `json`: one JSON object a line (production); `pretty`: human-readable (development). */
  logFormat: 'json' | 'pretty';
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Time a client has to send its request headers, and its whole request (slow clients are cut off). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Management API requests allowed per token (or client address) per minute. */
  apiRateLimit: number;
  /** Rejected deliveries kept per subscription for GET /api/subscriptions/{id}/rejections. */
  rejectionsKept: number;
  insideview: InsideViewConfig;
  delivery: DeliveryConfig;
}

/** How the gateway reaches InsideView's API and paces its background work. */
export interface InsideViewConfig {
  apiUrl: string;
  tokenUrl: string;
  /** Client credentials (exchanged for tokens), or a fixed access token, or neither (InsideView off). */
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  timeoutMs: number;
  /** Largest answer read from InsideView (an alert-details page); a longer one is cut off, never read whole. */
  responseLimitBytes: number;
  /** Retries of one call on network errors and 5xx, with exponential backoff and jitter. */
  maxRetries: number;
  /** How long every call pauses after a 429 that names no Retry-After (InsideView's window is 5 min). */
  throttleSeconds: number;
  /** Alert-detail fetches before an alert is marked failed. */
  fetchMaxAttempts: number;
  fetchLeaseSeconds: number;
  fetchPollMs: number;
  fetchConcurrency: number;
  statusSyncIntervalMs: number;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
const MAX_SIZE = 64 * 1024 * 1024;
const MIN_TOKEN_LENGTH = 16;

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 3000;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new ConfigError('PORT', `must be a whole number from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}

function parseHost(value: string | undefined): string {
  if (value === undefined) return '0.0.0.0';
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(value)) {
    throw new ConfigError('HOST', `must be a host name or IP address, got "${value}"`);
  }
  return value;
}

function parseDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  if (url.pathname.length <= 1) {
    throw new ConfigError('DATABASE_URL', 'must name a database, e.g. postgres://postgres@127.0.0.1:5432/gateway');
  }
  return value;
}

function parseHttpUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `must be an http:// or https:// URL, got "${value}"`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(variable, 'must not carry a query string or fragment');
  }
  return value.replace(/\/+$/, '');
}

function parsePublicBaseUrl(value: string | undefined, port: number): string {
  return value === undefined ? `http://localhost:${port}` : parseHttpUrl('PUBLIC_BASE_URL', value);
}

/** `host` or `host:port` entries, comma-separated; no scheme, path or credentials. */
function parseCallbackAllowedHosts(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((entry) => {
    const host = entry.trim();
    let url: URL | undefined;
    try {
      url = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host) ? new URL(`http://${host}`) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.port !== '' && Number(url.port) > 65535)) {
      throw new ConfigError('CALLBACK_ALLOWED_HOSTS', `must be host names, each with an optional :port, separated by commas (no scheme or path), got "${host}"`);
    }
    // new URL() drops :80 for http, so the port is kept as written.
    const port = /:(\d+)$/.exec(host)?.[1];
    return port === undefined ? url.hostname : `${url.hostname}:${Number(port)}`;
  });
}

function parseInteger(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const value = read(env, variable);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(variable, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function parseInsideView(env: Env): InsideViewConfig {
  const clientId = read(env, 'INSIDEVIEW_CLIENT_ID');
  const clientSecret = read(env, 'INSIDEVIEW_CLIENT_SECRET');
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new ConfigError(clientId ? 'INSIDEVIEW_CLIENT_SECRET' : 'INSIDEVIEW_CLIENT_ID', 'must be set together with its pair');
  }
  const apiUrl = read(env, 'INSIDEVIEW_API_URL');
  const tokenUrl = read(env, 'INSIDEVIEW_TOKEN_URL');
  const config: InsideViewConfig = {
    apiUrl: apiUrl ? parseHttpUrl('INSIDEVIEW_API_URL', apiUrl) : 'https://api.insideview.com/api/v1',
    tokenUrl: tokenUrl ? parseHttpUrl('INSIDEVIEW_TOKEN_URL', tokenUrl) : 'https://login.insideview.com/Auth/login/v1/token.json',
    clientId,
    clientSecret,
    accessToken: read(env, 'INSIDEVIEW_ACCESS_TOKEN'),
    timeoutMs: parseInteger(env, 'INSIDEVIEW_TIMEOUT_MS', 10_000, 100, 120_000),
    responseLimitBytes: parseSize('INSIDEVIEW_RESPONSE_LIMIT', read(env, 'INSIDEVIEW_RESPONSE_LIMIT'), 8 * UNITS.mb, UNITS.kb),
    maxRetries: parseInteger(env, 'INSIDEVIEW_MAX_RETRIES', 3, 0, 10),
    throttleSeconds: parseInteger(env, 'INSIDEVIEW_THROTTLE_SECONDS', 300, 1, 3600),
    fetchMaxAttempts: parseInteger(env, 'ALERT_FETCH_MAX_ATTEMPTS', 8, 1, 100),
    fetchLeaseSeconds: parseInteger(env, 'ALERT_FETCH_LEASE_SECONDS', 120, 1, 3600),
    fetchPollMs: parseInteger(env, 'ALERT_FETCH_POLL_MS', 1000, 10, 600_000),
    fetchConcurrency: parseInteger(env, 'ALERT_FETCH_CONCURRENCY', 10, 1, 100),
    statusSyncIntervalMs: parseInteger(env, 'INSIDEVIEW_STATUS_SYNC_MS', 30_000, 100, 86_400_000),
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

export function parseBodyLimit(value: string | undefined): number {
  return parseSize('BODY_LIMIT', value, UNITS.mb, 1);
}

/** A size in bytes written as `512kb`, `1mb` or `100` (bytes), from `min` bytes to 64mb. */
function parseSize(variable: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(value);
  const bytes = match ? Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()] : NaN;
  if (!match || bytes < min || bytes > MAX_SIZE) {
    throw new ConfigError(variable, `must be a size from ${min === 1 ? '1b' : `${min / UNITS.kb}kb`} to 64mb such as 512kb or 1mb, got "${value}"`);
  }
  return bytes;
}

function parseLogLevel(value: string | undefined): LogLevel[] {
  const level = (value ?? 'log').toLowerCase() as LogLevel;
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return LOG_LEVELS.slice(0, index + 1);
}

function parseLogFormat(value: string | undefined): 'json' | 'pretty' {
  if (value === undefined) return process.stdout.isTTY ? 'pretty' : 'json';
  if (value !== 'json' && value !== 'pretty') throw new ConfigError('LOG_FORMAT', `must be json or pretty, got "${value}"`);
  return value;
}

/** A bearer token's rule: long enough to resist guessing, and no white space. */
function isAcceptableToken(token: string): boolean {
  return token.length >= MIN_TOKEN_LENGTH && !/\s/.test(token);
}

function parseMetricsToken(value: string | undefined): string | undefined {
  if (value !== undefined && !isAcceptableToken(value)) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  return value;
}

const TOKEN_HASH = /^sha256:([0-9a-f]{64})$/i;

/** The digest a presented token is compared with: given as `sha256:<hex>`, or computed from the token. */
function tokenDigest(token: string): Buffer {
  const hash = TOKEN_HASH.exec(token);
  return hash ? Buffer.from(hash[1], 'hex') : createHash('sha256').update(token).digest();
}

function parseApiTokens(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tokens = value.split(',').map((token) => token.trim());
  tokens.forEach((token, index) => {
    if (token.startsWith('sha256:') && !TOKEN_HASH.test(token)) {
      throw new ConfigError('API_TOKENS', `token #${index + 1} starts with sha256: but is not followed by 64 hex digits`);
    }
    if (!isAcceptableToken(token)) {
      throw new ConfigError(
        'API_TOKENS',
        `token #${index + 1} must be at least ${MIN_TOKEN_LENGTH} characters without spaces (tokens are separated by commas)`,
      );
    }
  });
  return tokens;
}

/** Writes `text` to DATA_DIR/`name`, readable by the owner only; returns the file's path. */
function writePrivateFile(dataDir: string, name: string, text: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** With no API_TOKENS, one token is made on first start and kept in DATA_DIR so it survives restarts. */
function loadOrCreateApiToken(dataDir: string): { token: string; file: string; createdNow: boolean } {
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= MIN_TOKEN_LENGTH) return { token, file, createdNow: false };
  }
  const token = randomBytes(32).toString('base64url');
  return { token, file: writePrivateFile(dataDir, 'api-token', token), createdNow: true };
}

/** A 256-bit key given as 64 hex digits or as base64 of 32 bytes. */
function parseKey(variable: string, value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (!key || key.length !== 32) {
    throw new ConfigError(variable, 'must be 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)');
  }
  return key;
}

/** The key for secrets at rest: SECRETS_KEY, or on the embedded default one kept in DATA_DIR. */
function loadSecretsKey(env: Env, databaseUrl: string | undefined, dataDir: string): Pick<AppConfig, 'secretsKey' | 'previousSecretsKeys' | 'generatedSecretsKey'> {
  const previous = read(env, 'SECRETS_KEY_PREVIOUS')?.split(',').map((key) => parseKey('SECRETS_KEY_PREVIOUS', key.trim())) ?? [];
  const given = read(env, 'SECRETS_KEY');
  if (given) return { secretsKey: parseKey('SECRETS_KEY', given), previousSecretsKeys: previous };
  if (databaseUrl) {
    // Every instance on a shared database needs the same key, so it cannot be made up here.
    throw new ConfigError('SECRETS_KEY', 'is required with DATABASE_URL: 32 random bytes as base64 (`openssl rand -base64 32`), the same on every instance');
  }
  const file = join(dataDir, 'secrets-key');
  if (existsSync(file)) {
    // A kept key that does not parse is an error, never replaced: the secrets stored under it would be lost.
    return { secretsKey: parseKey(`SECRETS_KEY (from ${file})`, readFileSync(file, 'utf8').trim()), previousSecretsKeys: previous, generatedSecretsKey: { file, createdNow: false } };
  }
  const key = randomBytes(32);
  return { secretsKey: key, previousSecretsKeys: previous, generatedSecretsKey: { file: writePrivateFile(dataDir, 'secrets-key', key.toString('base64')), createdNow: true } };
}

/** The part of the configuration the migration CLI needs: where the database is, and the secrets key. */
export function loadDatabaseConfig(
  env: Env = process.env,
): Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'secretsKey' | 'previousSecretsKeys' | 'generatedSecretsKey'> {
  const dataDirValue = read(env, 'DATA_DIR') ?? './data';
  const dataDir = isAbsolute(dataDirValue) ? dataDirValue : resolve(process.cwd(), dataDirValue);
  const databaseUrl = parseDatabaseUrl(read(env, 'DATABASE_URL'));
  return { databaseUrl, dataDir, ...loadSecretsKey(env, databaseUrl, dataDir) };
}

/** Validates the environment into an AppConfig; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const port = parsePort(read(env, 'PORT'));
  const database = loadDatabaseConfig(env);
  const { dataDir } = database;
  const config: AppConfig = {
    port,
    host: parseHost(read(env, 'HOST')),
    ...database,
    publicBaseUrl: parsePublicBaseUrl(read(env, 'PUBLIC_BASE_URL'), port),
    callbackAllowedHosts: parseCallbackAllowedHosts(read(env, 'CALLBACK_ALLOWED_HOSTS')),
    apiTokens: [],
    apiTokenDigests: [],
    bodyLimitBytes: parseBodyLimit(read(env, 'BODY_LIMIT')),
    logLevels: parseLogLevel(read(env, 'LOG_LEVEL')),
    logFormat: parseLogFormat(read(env, 'LOG_FORMAT')),
    metricsToken: parseMetricsToken(read(env, 'METRICS_TOKEN')),
    rejectionsKept: parseInteger(env, 'REJECTIONS_KEPT', 50, 2, 1000),
    apiRateLimit: parseInteger(env, 'API_RATE_LIMIT', 600, 1, 1_000_000),
    headersTimeoutMs: parseInteger(env, 'HEADERS_TIMEOUT_MS', 20_000, 100, 600_000),
    requestTimeoutMs: parseInteger(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    insideview: parseInsideView(env),
    delivery: parseDeliveryConfig(env),
  };
  const tokens = parseApiTokens(read(env, 'API_TOKENS'));
  if (tokens) {
    config.apiTokens = tokens;
  } else {
    const { token, file, createdNow } = loadOrCreateApiToken(dataDir);
    config.apiTokens = [token];
    config.generatedApiToken = { file, createdNow };
  }
  config.apiTokenDigests = config.apiTokens.map(tokenDigest);
  return config;
}

/** Nest injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
