import { createHash } from 'node:crypto';
import { ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { bearerToken, digestMatchesAny } from './constant-time';

/**
 * Rate limit of the management API: per API token, and per client address for requests without a
 * valid one (so guessing tokens is slow too). Vendor webhooks are never throttled: a vendor that
 * does not retry would lose events. Counts are per instance.
 */
@Injectable()
export class ApiRateLimitGuard extends ThrottlerGuard {
  @Inject(APP_CONFIG) private readonly config: AppConfig;

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const path = context.switchToHttp().getRequest<Request>().path;
    return !(path === '/api' || path.startsWith('/api/'));
  }

  /** Our error shape and code, and Retry-After in seconds (the default names the header after the throttler). */
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.isBlocked ? detail.timeToBlockExpire : detail.timeToExpire));
    throw new AppException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RateLimited, `Too many management API requests; retry in ${seconds} s`, undefined, seconds);
  }

  /** One budget per token across the whole API (the default keys it per route as well). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    const token = bearerToken(request.headers?.authorization);
    if (token && digestMatchesAny(token, this.config.apiTokenDigests)) {
      return `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
    }
    return `address:${request.socket?.remoteAddress ?? 'unknown'}`;
  }
}
