import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogLevel } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import type { WebhookLogFields } from './webhook-observer';

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

/** The app's pino logger and the pino-http middleware that writes one line per request through it. */
export function createHttpLogger(config: AppConfig): { logger: Logger; middleware: HttpLogger } {
  const level = PINO_LEVELS[config.logLevels.at(-1) ?? 'log'];
  const logger = pino({
    level,
    base: { service: 'webhook-gateway' },
    // Belt and braces: nothing below should ever carry these, but if it does they are masked.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.signingSecret', '*.token', '*.accessToken'], censor: '[redacted]' },
    ...(config.logFormat === 'pretty' && prettyAvailable() && { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }),
  });
  const customLogLevel = (_req: IncomingMessage, res: ServerResponse, error?: Error): pino.LevelWithSilent => {
    const chosen = error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
    // 'silent' when the line would not be written: pino-http then skips building it (the bindings, a child logger).
    return logger.isLevelEnabled(chosen) ? chosen : 'silent';
  };
  const message = (req: IncomingMessage, res: ServerResponse) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`;
  const customProps = (_req: IncomingMessage, res: ServerResponse) => (res as ServerResponse & { locals?: { webhook?: WebhookLogFields } }).locals?.webhook ?? {};
  const middleware = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel,
    customSuccessMessage: message,
    customErrorMessage: message,
    customProps,
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
 * webhook's CPU time, for lines that are then thrown away.
 */
function onlyFailures(
  full: HttpLogger,
  options: {
    customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error) => pino.LevelWithSilent;
    message: (req: IncomingMessage, res: ServerResponse) => string;
    customProps: (req: IncomingMessage, res: ServerResponse) => object;
  },
): HttpLogger {
  const lean = (req: IncomingMessage & { id?: unknown; log?: Logger }, res: ServerResponse & { err?: Error }, next: (error?: unknown) => void) => {
    req.id = req.id || requestId(req, res);
    let child: Logger | undefined;
    const requestLogger = () => (child ??= full.logger.child({ req }));
    // What nestjs-pino binds for logs written during the request: the same child, made on first use.
    req.log = new Proxy({} as Logger, {
      get: (_target, property) => {
        const value = Reflect.get(requestLogger(), property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(requestLogger()) : value;
      },
    });
    const started = Date.now();
    const done = (error?: Error) => {
      res.removeListener('close', done);
      res.removeListener('finish', done);
      res.removeListener('error', done);
      const level = options.customLogLevel(req, res, error);
      if (level === 'silent') return;
      const props = options.customProps(req, res);
      const log = Object.keys(props).length > 0 ? requestLogger().child(props) : requestLogger();
      const responseTime = Date.now() - started;
      if (error || res.err || res.statusCode >= 500) {
        const failure = error || res.err || new Error(`failed with status code ${res.statusCode}`);
        log[level]({ res, err: failure, responseTime }, options.message(req, res));
      } else {
        log[level]({ res, responseTime }, options.message(req, res));
      }
    };
    res.on('close', done);
    res.on('finish', done);
    res.on('error', done);
    next();
  };
  return Object.assign(lean, { logger: full.logger }) as unknown as HttpLogger;
}
