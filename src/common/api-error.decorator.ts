import { STATUS_CODES } from 'node:http';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './all-exceptions.filter';
import { ErrorCode } from './error-code';

/** The codes whose answers carry Retry-After (see AllExceptionsFilter). */
const RETRY_AFTER_CODES = new Set([ErrorCode.DatabaseUnavailable, ErrorCode.InsideViewThrottled]);

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
