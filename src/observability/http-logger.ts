import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogLevel } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import { ErrorCode } from '../common/error-code';
import type { WebhookLocals } from '../webhooks/webhook-request';

/** Request headers that may be logged; everything else (signatures, tokens, custom auth headers) never is. */
const LOGGED_HEADERS = ['content-type', 'content-length', 'user-agent', 'x-forwarded-for', 'x-request-id'];
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const PINO_LEVELS: Record<LogLevel, pino.Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** pino-pretty is a development dependency: without it (a production install) the logs stay JSON. */
function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** The request id: the caller's X-Request-Id when it is a sane token, else a new one; always echoed back. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The app's pino logger and the request-log middleware that writes through it. */
export interface HttpLoggerPair {
  logger: Logger;
  middleware: HttpLogger;
}

/**
 * The logger for something that concerns one request: its child logger (bindings `req`: id, method,
 * URL, allowed headers), the same one its request-log line is written with. pino-http makes it for
 * every request as `req.log`; the lean middleware below only when asked.
 */
export function requestLogger(request: IncomingMessage): Logger | undefined {
  return (request as LeanRequest)[LAZY_LOG]?.() ?? (request as { log?: Logger }).log;
}

const LAZY_LOG = Symbol('requestLogger');
type LeanRequest = IncomingMessage & { id?: unknown; [LAZY_LOG]?: () => Logger };

type LocalsResponse = ServerResponse & { locals?: WebhookLocals; err?: Error };

/** The stable code the error filter answered with (it notes it on every route), if it answered. */
function refusalCode(res: ServerResponse): string | undefined {
  return (res as LocalsResponse).locals?.error?.code;
}

/**
 * Whether the answer is a fault rather than a refusal: an error thrown or emitted on the response, or
 * a 5xx without a code (or with INTERNAL_ERROR). A 4xx, or a 503 with its code (the database is
 * unavailable, a vendor API not configured), is the gateway working as designed: `warn`, no stack.
 */
function unexpected(res: ServerResponse, error?: Error): boolean {
  if (error || (res as LocalsResponse).err) return true;
  if (res.statusCode < 500) return false;
  const code = refusalCode(res);
  return code === undefined || code === ErrorCode.InternalError;
}

/** pino-http's made-up error for a 5xx answered without one (see customErrorObject below). */
function isStandIn(res: ServerResponse, error: Error): boolean {
  return error !== (res as LocalsResponse).err && error.message === `failed with status code ${res.statusCode}`;
}

function withoutErr(fields: Record<string, unknown>): Record<string, unknown> {
  const { err: _dropped, ...rest } = fields;
  return rest;
}

/** The app's pino logger and the pino-http middleware that writes one line per request through it. */
export function createHttpLogger(config: AppConfig): HttpLoggerPair {
  const level = PINO_LEVELS[config.logLevels.at(-1) ?? 'log'];
  const logger = pino({
    level,
    base: { service: 'webhook-gateway' },
    // Belt and braces: nothing below should ever carry these, but if it does they are masked.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.signingSecret', '*.token', '*.accessToken'], censor: '[redacted]' },
    ...(config.logFormat === 'pretty' && prettyAvailable() && { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }),
  });
  const customLogLevel = (_req: IncomingMessage, res: ServerResponse, error?: Error): pino.LevelWithSilent => {
    const chosen = unexpected(res, error) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
    // 'silent' when the line would not be written: pino-http then skips building it (the bindings, a child logger).
    return logger.isLevelEnabled(chosen) ? chosen : 'silent';
  };
  const message = (req: IncomingMessage, res: ServerResponse) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`;
  const customProps = (_req: IncomingMessage, res: ServerResponse) => {
    const code = refusalCode(res);
    const webhook = (res as LocalsResponse).locals?.webhook;
    return code === undefined ? (webhook ?? {}) : { ...webhook, code };
  };
  const middleware = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel,
    customSuccessMessage: message,
    customErrorMessage: message,
    customProps,
    // pino-http gives every 5xx an `err`, making one up ("failed with status code 503", with a stack
    // into pino-http) when there is none: only a real error is kept. An unexpected exception's stack
    // is in the error filter's own line, which carries the request's id.
    customErrorObject: (_req: IncomingMessage, res: ServerResponse, error: Error, fields: Record<string, unknown>) => (isStandIn(res, error) ? withoutErr(fields) : fields),
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string; headers: Record<string, string> }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
        headers: Object.fromEntries(LOGGED_HEADERS.filter((name) => req.headers[name] !== undefined).map((name) => [name, req.headers[name]])),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return { logger, middleware: logger.isLevelEnabled('info') ? middleware : onlyFailures(middleware, { customLogLevel, message, customProps }) };
}

/**
 * The request log above `info` (LOG_LEVEL warn and up), where only failed requests have a line:
 * the same line as pino-http's (its logger, serializers, fields and message), but the request's
 * child logger, which serializes the request, is made only when something is written. pino-http
 * makes it for every request up front, which the benchmark's profile showed as a tenth of a
 * webhook's CPU time, for lines that are then thrown away. The line is written on `close` (a
 * response emits it after `finish`, and alone when the connection was lost first).
 */
function onlyFailures(
  full: HttpLogger,
  options: {
    customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error) => pino.LevelWithSilent;
    message: (req: IncomingMessage, res: ServerResponse) => string;
    customProps: (req: IncomingMessage, res: ServerResponse) => object;
  },
): HttpLogger {
  const lean = (req: LeanRequest, res: ServerResponse & { err?: Error }, next: (error?: unknown) => void) => {
    req.id = req.id || requestId(req, res);
    let child: Logger | undefined;
    // Read through requestLogger(req): made on first use, then kept.
    const log = (req[LAZY_LOG] = () => (child ??= full.logger.child({ req })));
    const started = Date.now();
    // An 'error' on the response is logged with the request's line, as pino-http does; without a
    // listener Node would make it an uncaught exception.
    let failed: Error | undefined;
    res.on('error', (error: Error) => {
      failed ??= error;
    });
    res.once('close', () => {
      const error = failed ?? res.err;
      const level = options.customLogLevel(req, res, error);
      if (level === 'silent') return;
      const props = options.customProps(req, res);
      const line = Object.keys(props).length > 0 ? log().child(props) : log();
      const responseTime = Date.now() - started;
      if (error) {
        line[level]({ res, err: error, responseTime }, options.message(req, res));
      } else {
        line[level]({ res, responseTime }, options.message(req, res));
      }
    });
    next();
  };
  return Object.assign(lean, { logger: full.logger }) as unknown as HttpLogger;
}
