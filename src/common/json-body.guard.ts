import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';
import { IS_PUBLIC } from './public.decorator';

/** The media types the JSON body parser reads: application/json and application/*+json. */
export const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * The management API reads JSON bodies only. Any other body (text/plain, a form) would reach the
 * handler unread, as if empty, and be answered with a list of unrelated missing fields: it is a 415
 * instead. Runs after the token guard, so a caller without a token learns nothing. (Webhook routes
 * are @Public; their signature guard applies the same rule.)
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (hasBody(request) && !JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UnsupportedMediaType, 'Send the body as Content-Type: application/json');
    }
    return true;
  }
}

/** A body is coming when it is chunked or has a length above zero. */
function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}
