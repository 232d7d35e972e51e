import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * Where a callback URL may point: the gateway's own public address (the host and port of
 * PUBLIC_BASE_URL) or a host in CALLBACK_ALLOWED_HOSTS. Test events are sent there, signed with the
 * subscription's secret, so any other host would let a token holder reach the internal network and
 * read the secret off the wire. Checked when a URL is stored and again before anything is sent.
 */
@Injectable()
export class CallbackUrlPolicy {
  /** Allowed `hostname:port` pairs, and host names allowed on their scheme's default port. */
  private readonly exact = new Set<string>();
  private readonly onDefaultPort = new Set<string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const own = new URL(config.publicBaseUrl);
    this.exact.add(`${own.hostname}:${effectivePort(own)}`);
    for (const entry of config.callbackAllowedHosts) {
      if (/:\d+$/.test(entry)) this.exact.add(entry);
      else this.onDefaultPort.add(entry);
    }
  }

  /** Throws 400 CALLBACK_HOST_NOT_ALLOWED unless `callbackUrl` names an allowed host. */
  assertAllowed(callbackUrl: string): void {
    let url: URL | undefined;
    try {
      url = new URL(callbackUrl);
    } catch {
      url = undefined;
    }
    if (url && this.allows(url)) return;
    throw new AppException(
      HttpStatus.BAD_REQUEST,
      ErrorCode.CallbackHostNotAllowed,
      `callbackUrl must be on the gateway's public host (that of PUBLIC_BASE_URL) or on a host listed in CALLBACK_ALLOWED_HOSTS; ${url ? url.host : 'this URL'} is neither`,
    );
  }

  private allows(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const port = effectivePort(url);
    return this.exact.has(`${url.hostname}:${port}`) || (this.onDefaultPort.has(url.hostname) && port === defaultPort(url));
  }
}

function defaultPort(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

function effectivePort(url: URL): number {
  return url.port === '' ? defaultPort(url) : Number(url.port);
}
