import { HttpException, HttpStatus } from '@nestjs/common';

/** An error with a stable code; the exception filter turns it into `{statusCode, error, code, message}`. */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus,
    /** An ErrorCode, or a code from a feature's own enum. */
    readonly code: string,
    message: string,
    readonly details?: string[],
    /** Sent as Retry-After: when the client may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, status);
  }
}
