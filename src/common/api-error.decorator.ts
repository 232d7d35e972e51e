import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './all-exceptions.filter';
import { ErrorCode } from './error-code';

/** The codes whose answers carry Retry-After (see AllExceptionsFilter). */
const RETRY_AFTER_CODES = new Set([ErrorCode.DatabaseUnavailable, ErrorCode.InsideViewThrottled, ErrorCode.RateLimited]);

/**
 * Documents one error answer of a route, or of every route when put on a controller: the shared
 * error body, and the codes this status carries there, since `code` is what clients branch on.
 * `withoutBody` is for HEAD, whose answers never have one.
 */
export function ApiError(status: number, description: string, codes: ErrorCode[], options: { withoutBody?: boolean } = {}): MethodDecorator & ClassDecorator {
  const retryAfter = codes.filter((code) => RETRY_AFTER_CODES.has(code));
  return ApiResponse({
    status,
    description: `${description}. \`code\`: ${codes.join(', ')}`,
    ...(!options.withoutBody && {
      type: ErrorBody,
      example: { statusCode: status, error: STATUS_CODES[status], code: codes[0], message: description },
    }),
    ...(retryAfter.length > 0 && {
      headers: { 'Retry-After': { description: `Seconds to wait before retrying (with ${retryAfter.join(', ')})`, schema: { type: 'integer' } } },
    }),
  });
}

/**
 * What every /api controller shares, as ApiTokenGuard, ApiRateLimitGuard and JsonBodyGuard enforce
 * it: the bearer token and its 401, the rate limit's 429, 415 for a body that is not JSON, and 503
 * while the database is down.
 */
export function ApiManagementRoutes(): ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiError(401, 'Missing or invalid API token', [ErrorCode.Unauthorized]),
    ApiError(429, 'Over API_RATE_LIMIT requests a minute, per token (per address without a valid one)', [ErrorCode.RateLimited]),
    ApiError(415, 'A request body that is not JSON (Content-Type: application/json)', [ErrorCode.UnsupportedMediaType]),
    ApiError(503, 'The database is unavailable; retry later', [ErrorCode.DatabaseUnavailable]),
  );
}
