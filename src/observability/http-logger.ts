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
  const middleware = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (_req, res, error) => {
      const chosen = error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      // 'silent' when the line would not be written: pino-http then skips building it (the bindings, a child logger).
      return logger.isLevelEnabled(chosen) ? chosen : 'silent';
    },
    customSuccessMessage: (req, res) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${(req as { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}`,
    customProps: (_req, res) => ((res as ServerResponse & { locals?: { webhook?: WebhookLogFields } }).locals?.webhook ?? {}),
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
  return { logger, middleware };
}
