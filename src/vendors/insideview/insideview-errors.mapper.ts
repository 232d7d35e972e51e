import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../common/app.exception';
import { InsideViewApiError, InsideViewNotConfiguredError, InsideViewThrottledError, InsideViewUnavailableError } from './insideview-api.errors';
import { InsideViewErrorCode } from './insideview-error-code';

/** What an operator calling our API is told when InsideView is the one that failed. */
export function toHttpError(error: unknown, action: string): unknown {
  if (error instanceof InsideViewNotConfiguredError) {
    return new AppException(HttpStatus.SERVICE_UNAVAILABLE, InsideViewErrorCode.NotConfigured, error.message);
  }
  if (error instanceof InsideViewThrottledError) {
    const seconds = Math.max(1, Math.ceil((error.until.getTime() - Date.now()) / 1000));
    return new AppException(HttpStatus.SERVICE_UNAVAILABLE, InsideViewErrorCode.Throttled, `InsideView is throttling calls; ${action} again in ${seconds} s`, undefined, seconds);
  }
  if (error instanceof InsideViewApiError) {
    const code = error.vendorCode ? ` (${error.vendorCode})` : '';
    return new AppException(HttpStatus.BAD_GATEWAY, InsideViewErrorCode.Refused, `InsideView refused to ${action}: ${error.message}${code}`);
  }
  if (error instanceof InsideViewUnavailableError) {
    return new AppException(HttpStatus.BAD_GATEWAY, InsideViewErrorCode.Unavailable, `Could not ${action}: ${error.message}`);
  }
  return error;
}
