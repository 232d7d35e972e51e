import { createHash, randomBytes } from 'node:crypto';
import type { LogLevel } from '@nestjs/common';
import { IsIn, Matches } from 'class-validator';
import { loadDatabaseConfig, type DatabaseConfig } from './database-config';
import { ByteSize, EnvVariable, HttpUrl, MB, readEnv, WholeNumber, type Env } from './env';
import { readPrivateFile, writePrivateFile, type GeneratedFile } from './private-file';

/**
 * The service's core configuration, validated once at boot. A module with variables of its own
 * declares them in its folder and reads them from `env` (see ConfigModule.forFeature).
 */
export interface AppConfig extends DatabaseConfig {
  /** The environment this configuration was read from, for the modules that declare their own variables. */
  env: Env;
  port: number;
  host: string;
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
  /** Set when no API_TOKENS were configured and the token lives in DATA_DIR instead. */
  generatedApiToken?: GeneratedFile;
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
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const MIN_TOKEN_LENGTH = 16;
const TOKEN_HASH = /^sha256:([0-9a-f]{64})$/i;

/** A bearer token's rule: long enough to resist guessing, and no white space. */
function isAcceptableToken(token: string): boolean {
  return token.length >= MIN_TOKEN_LENGTH && !/\s/.test(token);
}

/** What is wrong with the first bad token of a comma-separated list; never quotes a token. */
function apiTokensProblem(text: string): string | undefined {
  for (const [index, token] of text.split(',').map((entry) => entry.trim()).entries()) {
    if (token.startsWith('sha256:') && !TOKEN_HASH.test(token)) return `token #${index + 1} starts with sha256: but is not followed by 64 hex digits`;
    if (!isAcceptableToken(token)) return `token #${index + 1} must be at least ${MIN_TOKEN_LENGTH} characters without spaces (tokens are separated by commas)`;
  }
  return undefined;
}

/** A `host` or `host:port` entry, lower-cased; undefined when it has a scheme, path or credentials, or a bad port. */
function allowedHost(entry: string): string | undefined {
  let url: URL | undefined;
  try {
    url = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(entry) ? new URL(`http://${entry}`) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.port !== '' && Number(url.port) > 65535)) return undefined;
  // new URL() drops :80 for http, so the port is kept as written.
  const port = /:(\d+)$/.exec(entry)?.[1];
  return port === undefined ? url.hostname : `${url.hostname}:${Number(port)}`;
}

/** The levels logged at LOG_LEVEL `level`: it and every more severe one. */
function levelsUpTo(level: string): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level.toLowerCase() as LogLevel) + 1);
}

/** The core variables: the HTTP server, the management API, logs and metrics (the database's are in DatabaseEnv). */
export class AppEnv {
  @WholeNumber(0, 65535)
  PORT = 3000;

  @Matches(/^[A-Za-z0-9.:\-\[\]]+$/, { message: ({ value }) => `must be a host name or IP address, got "${value}"` })
  HOST = '0.0.0.0';

  /** Unset: `http://localhost:$PORT`. */
  @HttpUrl()
  PUBLIC_BASE_URL?: string;

  @EnvVariable(
    (text) => {
      const bad = text.split(',').map((entry) => entry.trim()).find((entry) => allowedHost(entry) === undefined);
      return bad === undefined ? undefined : `must be host names, each with an optional :port, separated by commas (no scheme or path), got "${bad}"`;
    },
    (text) => text.split(',').map((entry) => allowedHost(entry.trim())),
  )
  CALLBACK_ALLOWED_HOSTS: string[] = [];

  /** Unset: one token generated into DATA_DIR/api-token. */
  @EnvVariable(apiTokensProblem, (text) => text.split(',').map((token) => token.trim()))
  API_TOKENS?: string[];

  @ByteSize(1)
  BODY_LIMIT = MB;

  @EnvVariable((text) => (LOG_LEVELS.includes(text.toLowerCase() as LogLevel) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`), levelsUpTo)
  LOG_LEVEL = levelsUpTo('log');

  @IsIn(['json', 'pretty'], { message: ({ value }) => `must be json or pretty, got "${value}"` })
  LOG_FORMAT: 'json' | 'pretty' = process.stdout.isTTY ? 'pretty' : 'json';

  @EnvVariable((text) => (isAcceptableToken(text) ? undefined : `must be at least ${MIN_TOKEN_LENGTH} characters without spaces`))
  METRICS_TOKEN?: string;

  @WholeNumber(2, 1000)
  REJECTIONS_KEPT = 50;

  @WholeNumber(1, 1_000_000)
  API_RATE_LIMIT = 600;

  @WholeNumber(100, 600_000)
  HEADERS_TIMEOUT_MS = 20_000;

  @WholeNumber(100, 600_000)
  REQUEST_TIMEOUT_MS = 30_000;
}

/** The digest a presented token is compared with: given as `sha256:<hex>`, or computed from the token. */
function tokenDigest(token: string): Buffer {
  const hash = TOKEN_HASH.exec(token);
  return hash ? Buffer.from(hash[1], 'hex') : createHash('sha256').update(token).digest();
}

/** The file in DATA_DIR that holds the generated API token (read by `npm run forward` too). */
export const API_TOKEN_FILE = 'api-token';

/** With no API_TOKENS, one token is made on first start and kept in DATA_DIR so it survives restarts. */
function loadOrCreateApiToken(dataDir: string): { token: string } & GeneratedFile {
  const { file, text } = readPrivateFile(dataDir, API_TOKEN_FILE);
  if (text !== undefined && text.length >= MIN_TOKEN_LENGTH) return { token: text, file, createdNow: false };
  const written = writePrivateFile(dataDir, API_TOKEN_FILE, randomBytes(32).toString('base64url'), text !== undefined);
  return { token: written.text, file, createdNow: written.createdNow };
}

/** Validates the environment into an AppConfig; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const vars = readEnv(AppEnv, env);
  const database = loadDatabaseConfig(env);
  const generated = vars.API_TOKENS ? undefined : loadOrCreateApiToken(database.dataDir);
  const apiTokens = vars.API_TOKENS ?? [generated!.token];
  return {
    env,
    ...database,
    port: vars.PORT,
    host: vars.HOST,
    publicBaseUrl: vars.PUBLIC_BASE_URL ?? `http://localhost:${vars.PORT}`,
    callbackAllowedHosts: vars.CALLBACK_ALLOWED_HOSTS,
    apiTokens,
    apiTokenDigests: apiTokens.map(tokenDigest),
    ...(generated && { generatedApiToken: { file: generated.file, createdNow: generated.createdNow } }),
    bodyLimitBytes: vars.BODY_LIMIT,
    logLevels: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    metricsToken: vars.METRICS_TOKEN,
    rejectionsKept: vars.REJECTIONS_KEPT,
    apiRateLimit: vars.API_RATE_LIMIT,
    headersTimeoutMs: vars.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
  };
}

/** Nest injection token for the AppConfig object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
