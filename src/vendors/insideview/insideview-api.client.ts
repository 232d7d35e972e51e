import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffWithJitter } from '../../common/backoff';
import { cappedRequest, retryAfter as retryAfterSeconds, type CappedAnswer } from '../../common/capped-request';
import { InsideViewMetrics } from './insideview-metrics';
import { InsideViewApiError, InsideViewNotConfiguredError, InsideViewThrottledError, InsideViewUnavailableError } from './insideview-api.errors';
import { InsideViewThrottle } from './insideview-throttle.service';
import { INSIDEVIEW_CONFIG, type InsideViewConfig } from './insideview.config';

/** InsideView's subscription as its API returns it (only the fields the gateway reads). */
export interface InsideViewSubscription {
  subscriptionId?: string;
  id?: string;
  webhook?: { url?: string; status?: string; disableReasonMessage?: string; disableReasonErrorCode?: string };
  status?: string;
  disableReasonMessage?: string;
  disableReasonErrorCode?: string;
}

/** One page of "Fetch Alerts": the changed entities of one alert. */
export interface InsideViewAlertPage {
  companyIds?: string[];
  peopleIds?: string[];
  subscriptionType?: string;
  page?: number;
  resultsPerPage?: number;
  totalResults?: number;
}

export interface CreateSubscriptionForm {
  subscriptionType: string;
  webhook: string;
  signingSecret: string;
  frequency?: string;
  startTime?: string;
  companyIds?: string[];
  peopleIds?: string[];
  fields?: string[];
}

/** Renew a token this long before InsideView says it expires. */
const TOKEN_RENEW_MARGIN_MS = 60_000;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/**
 * The one way the gateway talks to InsideView: an access token kept fresh, `Accept: application/json`,
 * a timeout on every call (answer included), answers read up to INSIDEVIEW_RESPONSE_LIMIT, redirects
 * never followed, retries with exponential backoff and jitter on network errors and 5xx,
 * and a pause of every call after a 429 (one throttled token locks out the account's others).
 */
@Injectable()
export class InsideViewApiClient {
  private readonly logger = new Logger('InsideView');
  private token?: { value: string; renewAt: number };
  private tokenRequest?: Promise<string>;

  constructor(
    @Inject(INSIDEVIEW_CONFIG) private readonly config: InsideViewConfig,
    private readonly throttle: InsideViewThrottle,
    private readonly metrics: InsideViewMetrics,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.accessToken || (this.config.clientId && this.config.clientSecret));
  }

  /** When a 429 (seen by any instance) pauses calls, the instant they may resume; undefined when not paused. */
  async throttledUntil(): Promise<Date | undefined> {
    const until = await this.throttle.pausedUntil();
    return until > Date.now() ? new Date(until) : undefined;
  }

  createSubscription(form: CreateSubscriptionForm): Promise<InsideViewSubscription> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) {
      if (value === undefined) continue;
      body.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return this.call<InsideViewSubscription>('POST', '/subscription', body, 'create_subscription');
  }

  getSubscription(id: string): Promise<InsideViewSubscription> {
    return this.call<InsideViewSubscription>('GET', `/subscription/${encodeURIComponent(id)}`, undefined, 'get_subscription');
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.call<unknown>('DELETE', `/subscription/${encodeURIComponent(id)}`, undefined, 'delete_subscription');
  }

  getAlertPage(subscriptionId: string, alertId: string, page: number): Promise<InsideViewAlertPage> {
    return this.call<InsideViewAlertPage>(
      'GET',
      `/subscription/${encodeURIComponent(subscriptionId)}/alert/${encodeURIComponent(alertId)}?page=${page}`,
      undefined,
      'get_alert',
    );
  }

  /**
   * One InsideView call. Only idempotent methods are retried: a POST that timed out may have
   * created something at InsideView, and a second one would create it twice.
   */
  private async call<T>(method: string, path: string, form: URLSearchParams | undefined, operation: string): Promise<T> {
    if (!this.configured) throw new InsideViewNotConfiguredError();
    const retries = method === 'POST' ? 0 : this.config.maxRetries;
    for (let attempt = 0; ; attempt++) {
      await this.throwIfPaused();
      let response: CappedAnswer;
      try {
        const token = await this.accessToken();
        const headers = { accessToken: token, Accept: 'application/json', ...(form && { 'Content-Type': 'application/x-www-form-urlencoded' }) };
        response = await this.send(method, `${this.config.apiUrl}${path}`, headers, form?.toString());
      } catch (error) {
        if (error instanceof InsideViewApiError || error instanceof InsideViewThrottledError) throw error;
        this.metrics.called(operation, isTimeout(error) ? 'timeout' : 'network_error');
        if (attempt < retries) {
          await this.backoff(attempt, `${method} ${path}: ${describe(error)}`);
          continue;
        }
        throw new InsideViewUnavailableError(`InsideView did not answer ${method} ${path}: ${describe(error)}`);
      }
      this.metrics.called(operation, response.status);
      if (response.status === 429) {
        throw new InsideViewThrottledError(new Date(await this.pause(response.headers['retry-after'])));
      }
      if (response.status === 401 && this.token && attempt === 0) {
        this.token = undefined; // revoked or expired early: one fresh token, one more try
        continue;
      }
      if (response.status >= 500 && attempt < retries) {
        await this.backoff(attempt, `${method} ${path}: HTTP ${response.status}`);
        continue;
      }
      return this.parse<T>(response, `${method} ${path}`);
    }
  }

  /** One request, its answer read up to INSIDEVIEW_RESPONSE_LIMIT, the whole exchange under INSIDEVIEW_TIMEOUT_MS. */
  private send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<CappedAnswer> {
    return cappedRequest({ method, url: new URL(url), headers, body, timeoutMs: this.config.timeoutMs, capBytes: this.config.responseLimitBytes });
  }

  private parse<T>(response: CappedAnswer, what: string): T {
    const ok = response.status >= 200 && response.status < 300;
    if (response.truncated) {
      const limit = `INSIDEVIEW_RESPONSE_LIMIT (${this.config.responseLimitBytes} bytes)`;
      if (!ok) throw new InsideViewApiError(response.status, undefined, `InsideView answered ${what} with HTTP ${response.status} and a body over ${limit}, not read`);
      throw new InsideViewUnavailableError(`InsideView's answer to ${what} is longer than ${limit}: not read`);
    }
    const text = response.body.toString('utf8');
    let body: unknown = undefined;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        if (ok) throw new InsideViewUnavailableError(`InsideView answered ${what} with something that is not JSON`);
      }
    }
    if (!ok) {
      const { message, code } = errorDetails(body);
      throw new InsideViewApiError(response.status, code, message ?? `InsideView answered ${what} with HTTP ${response.status}`);
    }
    return body as T;
  }

  /** A fixed token, or one from the token endpoint, renewed shortly before it expires; one request at a time. */
  private async accessToken(): Promise<string> {
    if (this.config.accessToken) return this.config.accessToken;
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const body = new URLSearchParams({ clientId: this.config.clientId!, clientSecret: this.config.clientSecret!, grantType: 'cred' });
    const headers = { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' };
    const response = await this.send('POST', this.config.tokenUrl, headers, body.toString());
    this.metrics.called('token', response.status);
    if (response.status === 429) {
      throw new InsideViewThrottledError(new Date(await this.pause(response.headers['retry-after'])));
    }
    const answer = this.parse<{ accessTokenDetails?: { accessToken?: string; expirationTime?: string | number } }>(response, 'token request');
    const details = answer?.accessTokenDetails;
    if (!details?.accessToken) throw new InsideViewUnavailableError('InsideView issued no access token');
    const expiresAt = parseExpiry(details.expirationTime) ?? Date.now() + 15 * 60_000;
    this.token = { value: details.accessToken, renewAt: Math.max(Date.now(), expiresAt - TOKEN_RENEW_MARGIN_MS) };
    return details.accessToken;
  }

  /** Pauses every instance's calls for Retry-After (seconds or a date), else INSIDEVIEW_THROTTLE_SECONDS. */
  private async pause(retryAfter: string | undefined): Promise<number> {
    const until = Date.now() + (retryAfterSeconds(retryAfter) ?? this.config.throttleSeconds) * 1000;
    await this.throttle.pause(until);
    this.logger.warn(`InsideView answered 429: every call pauses until ${new Date(until).toISOString()}`);
    return until;
  }

  private async throwIfPaused(): Promise<void> {
    const until = await this.throttle.pausedUntil();
    if (until > Date.now()) throw new InsideViewThrottledError(new Date(until));
  }

  private async backoff(attempt: number, reason: string): Promise<void> {
    const delay = backoffWithJitter(attempt, BACKOFF_BASE_MS, BACKOFF_MAX_MS);
    this.logger.warn(`Retrying in ${delay} ms after ${reason}`);
    await sleep(delay);
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function describe(error: unknown): string {
  if (isTimeout(error)) return 'timed out';
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ?? message ?? String(error);
}

/** InsideView's error bodies vary in naming; take what is there. */
function errorDetails(body: unknown): { message?: string; code?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const fields = body as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value.slice(0, 500) : undefined);
  return {
    message: text(fields.message) ?? text(fields.errorMessage) ?? text(fields.error) ?? text(fields.description),
    code: text(fields.errorCode) ?? text(fields.code),
  };
}

/** expirationTime as an ISO instant, or epoch seconds or milliseconds. */
function parseExpiry(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const numeric = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : undefined;
  if (numeric !== undefined) return numeric < 1e12 ? numeric * 1000 : numeric;
  const parsed = Date.parse(String(value));
  return Number.isNaN(parsed) ? undefined : parsed;
}
