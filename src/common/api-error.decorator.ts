import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import { ErrorBody } from './all-exceptions.filter';
import { ErrorCode } from './error-code';

/** The shared codes whose answers carry Retry-After (see AllExceptionsFilter); a feature names its own with `retryAfter`. */
const RETRY_AFTER_CODES = new Set<string>([ErrorCode.DatabaseUnavailable, ErrorCode.RateLimited]);

/**
 * Documents one error answer of a route, or of every route when put on a controller: the shared
 * error body, and the codes this status carries there, since `code` is what clients branch on.
 * Codes are ErrorCodes or a feature's own. `withoutBody` is for HEAD, whose answers never have one;
 * `retryAfter` names the feature's own codes whose answers carry Retry-After.
 */
/** OpenAPI extension marking a management route that calls a vendor's hooks, which may add errors of their own. */
export const CALLS_VENDOR_EXTENSION = 'x-calls-vendor';

/** An error answer a feature adds to routes when the docs are built, as ApiError documents it. */
export interface DocumentedError {
  status: number;
  description: string;
  codes: string[];
  /** Of `codes`, those whose answers carry Retry-After. */
  retryAfter?: string[];
}

/**
 * Adds `errors` to every operation marked with CALLS_VENDOR_EXTENSION. A status the operation
 * already documents keeps its entry, with the new description and codes appended.
 */
export function documentHookErrors(document: OpenAPIObject, errors: DocumentedError[]): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ [CALLS_VENDOR_EXTENSION]?: boolean; responses?: Record<string, Record<string, unknown>> }>) {
      if (!operation?.[CALLS_VENDOR_EXTENSION] || !operation.responses) continue;
      for (const error of errors) {
        const existing = operation.responses[String(error.status)];
        const text = `${error.description}. \`code\`: ${error.codes.join(', ')}`;
        const headers = error.retryAfter?.length
          ? { 'Retry-After': { description: `Seconds to wait before retrying (with ${error.retryAfter.join(', ')})`, schema: { type: 'integer' } } }
          : undefined;
        operation.responses[String(error.status)] = existing
          ? { ...existing, description: `${existing.description as string}; or: ${text}`, ...(headers && { headers: { ...(existing.headers as object), ...headers } }) }
          : {
              description: text,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' }, example: { statusCode: error.status, error: STATUS_CODES[error.status], code: error.codes[0], message: error.description } } },
              ...(headers && { headers }),
            };
      }
    }
  }
}

export function ApiError(
  status: number,
  description: string,
  codes: string[],
  options: { withoutBody?: boolean; retryAfter?: string[] } = {},
): MethodDecorator & ClassDecorator {
  const retryAfter = codes.filter((code) => RETRY_AFTER_CODES.has(code) || options.retryAfter?.includes(code));
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

/**
 * Adds to the document's ErrorCode schema, after the shared codes, the codes features keep in enums
 * of their own, so `code` is documented with every value it can take.
 */
export function documentErrorCodes(document: OpenAPIObject, codes: string[]): void {
  const schema = document.components?.schemas?.ErrorCode as SchemaObject | undefined;
  if (schema) schema.enum = [...new Set([...(schema.enum ?? []), ...codes])];
}
