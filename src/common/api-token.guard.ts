import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppException } from './app.exception';
import { bearerToken, digestMatchesAny } from './constant-time';
import { ErrorCode } from './error-code';
import { IS_PUBLIC } from './public.decorator';

/** Every route needs `Authorization: Bearer <token>` unless it is marked @Public(). */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const token = bearerToken(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (token === undefined) {
      throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized, 'Send Authorization: Bearer <API token>');
    }
    if (!digestMatchesAny(token, this.config.apiTokenDigests)) {
      throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized, 'The API token is not valid');
    }
    return true;
  }
}
