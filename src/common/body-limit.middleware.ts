import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';

/**
 * Refuses a body whose Content-Length is over the limit before reading any of it. (body-parser
 * would answer the same 413, but only after draining the whole declared body, so a client that
 * announces 10 MB and sends nothing holds the request open.) The connection is closed after the
 * answer, so nothing more is read from it.
 */
export function refuseOversizedBodies(limitBytes: number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const declared = Number(request.headers['content-length']);
    if (!(declared > limitBytes)) return next();
    response.setHeader('Connection', 'close');
    response.once('finish', () => request.socket.destroy());
    next(new AppException(HttpStatus.PAYLOAD_TOO_LARGE, ErrorCode.PayloadTooLarge, `The body is larger than the limit of ${limitBytes} bytes`));
  };
}
