import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { sqlState } from '../database/row-batch-insert';
import { requestLogger } from '../observability/http-logger';
import type { WebhookLocals } from '../webhooks/webhook-request';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';

/** Seconds a client should wait before retrying when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The body of every error answer, on every route. */
export class ErrorBody {
  @ApiProperty({ description: 'The HTTP status, repeated', type: 'integer', example: 401 })
  statusCode: number;

  @ApiProperty({ description: "The status's reason phrase", example: 'Unauthorized' })
  error: string;

  @ApiProperty({ description: 'Stable code for programs to branch on', enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.SignatureInvalid })
  code: string;

  @ApiProperty({ description: 'What went wrong, for a person to read', example: 'The signature does not match' })
  message: string;

  @ApiPropertyOptional({ description: 'Each problem found, when there are several (validation)', type: [String], example: ['name should not be empty'] })
  details?: string[];
}

const DEFAULT_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** Body-parser failures reach us as plain errors with a `type`; map them to stable codes. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  'entity.parse.failed': { status: 400, code: ErrorCode.MalformedJson, message: 'The body is not valid JSON' },
  'entity.too.large': { status: 413, code: ErrorCode.PayloadTooLarge, message: 'The body is larger than the limit' },
  'request.size.invalid': { status: 400, code: ErrorCode.MalformedJson, message: 'The body is shorter or longer than Content-Length' },
  'encoding.unsupported': { status: 415, code: ErrorCode.UnsupportedMediaType, message: 'Unsupported Content-Encoding: send the body as identity, gzip, deflate or br' },
  'charset.unsupported': { status: 415, code: ErrorCode.UnsupportedMediaType, message: 'Unsupported charset' },
  'request.aborted': { status: 400, code: ErrorCode.MalformedJson, message: 'The request was aborted' },
};

/** One error body shape everywhere; internals are logged, never sent. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception, host.switchToHttp().getRequest<Request>());
    const retryAfter =
      exception instanceof AppException && exception.retryAfterSeconds !== undefined
        ? exception.retryAfterSeconds
        : body.code === ErrorCode.DatabaseUnavailable
          ? DATABASE_RETRY_AFTER_SECONDS
          : undefined;
    // For a webhook delivery's outcome: its request log, metrics and rejections record (WebhookOutcomeMiddleware).
    (response.locals as WebhookLocals).error = { code: body.code, message: body.message };
    if (response.headersSent) return;
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    if (exception instanceof AppException) {
      return this.body(exception.getStatus(), exception.code, exception.message, exception.details);
    }
    // Nest wraps body-parser failures in an HttpException and keeps the original as `cause`.
    const parserError = BODY_PARSER_ERRORS[bodyParserType(exception)];
    if (parserError) {
      return this.body(parserError.status, parserError.code, parserError.message);
    }
    const encoding = undecodableEncoding(exception, request);
    if (encoding) {
      return this.body(415, ErrorCode.UnsupportedMediaType, `The body is not valid ${encoding} data, as its Content-Encoding says it is`);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
      const messages = Array.isArray(raw) ? raw.map(String) : undefined;
      const message = messages ? messages.join('; ') : typeof raw === 'string' ? raw : exception.message;
      return this.body(status, DEFAULT_CODES[status] ?? ErrorCode.InternalError, message, messages);
    }
    // A safety net, not the rule: the edge (ApiValidationPipe, the DTOs) names the field; a value it
    // let through that PostgreSQL refuses as data is still the client's input, not a server fault.
    // Only on the management API: on a webhook route a 5xx makes the vendor retry, and nothing is lost.
    const dataError = postgresDataError(exception);
    if (dataError && request.path.startsWith('/api/')) {
      this.log(request, 'warn', `A value reached the database that the validation should have refused: ${dataError}`);
      return this.body(400, ErrorCode.ValidationFailed, 'A value in the request is out of range or not valid for its field');
    }
    if (isDatabaseUnavailable(exception)) {
      this.log(request, 'warn', `Database unavailable: ${(exception as Error).message}`);
      return this.body(503, ErrorCode.DatabaseUnavailable, 'The database is unavailable; retry later');
    }
    this.log(request, 'error', exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    return this.body(500, ErrorCode.InternalError, 'Internal server error');
  }

  /** Through the request's own logger when it has one, so the line carries the request's id. */
  private log(request: Request, level: 'warn' | 'error', message: string): void {
    const log = requestLogger(request);
    if (log) log[level]({ context: 'Errors' }, message);
    else this.logger[level](message);
  }

  private body(statusCode: number, code: string, message: string, details?: string[]): ErrorBody {
    const error = (HttpStatus[statusCode] ?? 'ERROR')
      .toString()
      .toLowerCase()
      .replace(/(^|_)(\w)/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
    return details ? { statusCode, error, code, message, details } : { statusCode, error, code, message };
  }
}

/**
 * The Content-Encoding a body failed to decode with, if that is what went wrong: body-parser hands
 * on the decompression stream's error (zlib's or brotli's, with a numeric errno) untyped, as a 400.
 */
function undecodableEncoding(exception: unknown, request: Request): string | undefined {
  const cause = (exception as { cause?: unknown } | null)?.cause ?? exception;
  if (!(cause instanceof Error) || typeof (cause as { errno?: unknown }).errno !== 'number' || bodyParserType(exception) !== '') return undefined;
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  // Only what body-parser decodes (anything else was encoding.unsupported), so the answer echoes no client text.
  return encoding !== undefined && ['gzip', 'deflate', 'br', 'zstd'].includes(encoding) ? encoding : undefined;
}

/**
 * The SQLSTATE of a PostgreSQL data exception (class 22: out of range, invalid text, a character
 * the encoding cannot hold...), else null. Only the code: some of these messages quote the value.
 */
function postgresDataError(exception: unknown): string | null {
  const code = sqlState(exception);
  return /^22[0-9A-Z]{3}$/.test(code) ? `SQLSTATE ${code}` : null;
}

function bodyParserType(exception: unknown): string {
  const error = exception as { type?: unknown; cause?: { type?: unknown } } | null;
  const type = error?.type ?? error?.cause?.type;
  return typeof type === 'string' ? type : '';
}
