import { retryAfter } from '../common/capped-request';
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { cappedRequest, describeRequestError } from '../common/capped-request';
import { DestinationHostPolicy } from './destination-host-policy';

/** What one POST to a destination gave: the attempt log's row. Never thrown: a failure is `error`. */
export interface AttemptResult {
  /** Null when no answer came (timeout, connection, DNS, refused host). */
  statusCode: number | null;
  durationMs: number;
  responseHeaders: Record<string, string>;
  /** The first 4 KB of the answer's body; null when no answer came. */
  responseBody: string | null;
  error: string | null;
  /** From a Retry-After header (seconds or an HTTP date), when the answer had one. */
  retryAfterSeconds: number | null;
}

/** The most of an answer's body that is read; then the connection is closed. */
export const MAX_RESPONSE_BYTES = 4096;
/** The attempt log's error column holds this much. */
const MAX_ERROR_LENGTH = 500;
const MAX_RESPONSE_HEADERS = 64;
const MAX_HEADER_VALUE = 2000;

/**
 * Sends one POST to a destination: keep-alive connections per origin, redirects never followed, at
 * most MAX_RESPONSE_BYTES of the answer read, the whole exchange under one deadline, and the host
 * rule checked before the request and on every address at connect time.
 */
@Injectable()
export class DeliveryHttp implements OnModuleDestroy {
  private readonly agents = new Map<string, HttpAgent>();

  constructor(private readonly policy: DestinationHostPolicy) {}

  async post(url: string, headers: Record<string, string>, body: Buffer | string, timeoutMs: number, signal?: AbortSignal): Promise<AttemptResult> {
    const started = performance.now();
    const failed = (error: string): AttemptResult => ({
      statusCode: null,
      durationMs: Math.round(performance.now() - started),
      responseHeaders: {},
      responseBody: null,
      error: error.slice(0, MAX_ERROR_LENGTH),
      retryAfterSeconds: null,
    });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return failed('the destination URL is not a valid URL');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return failed(`the destination URL's scheme ${target.protocol} is not http or https`);
    // IP literals never reach the lookup, and the rule may have changed since the URL was stored.
    const problem = this.policy.hostProblem(target.hostname);
    if (problem) return failed(`DESTINATION_HOST_NOT_ALLOWED: ${problem}`);
    if (signal?.aborted) return failed('aborted before it was sent');
    try {
      const answer = await cappedRequest({
        method: 'POST',
        url: target,
        agent: this.agentFor(target),
        headers: { 'user-agent': 'webhook-gateway', ...headers },
        body,
        timeoutMs,
        capBytes: MAX_RESPONSE_BYTES,
        signal,
      });
      return {
        statusCode: answer.status,
        durationMs: Math.round(performance.now() - started),
        responseHeaders: flatHeaders(answer.headers),
        // PostgreSQL text cannot hold NUL.
        responseBody: answer.body.toString('utf8').replace(/\u0000/g, '\ufffd'),
        error: null,
        retryAfterSeconds: retryAfter(answer.headers['retry-after']),
      };
    } catch (error) {
      return failed(attemptError(error));
    }
  }

  /** Closes every kept-alive connection. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  onModuleDestroy(): void {
    this.close();
  }

  private agentFor(target: URL): HttpAgent {
    let agent = this.agents.get(target.origin);
    if (!agent) {
      const options = { keepAlive: true, lookup: this.policy.lookup };
      agent = target.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.agents.set(target.origin, agent);
    }
    return agent;
  }
}

/** The attempt log's words for a failure; a timeout and a graceful stop say so first. */
function attemptError(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError') return `timeout: ${(error as Error).message}`;
  if (name === 'AbortError') return 'aborted: the instance is stopping';
  return describeRequestError(error);
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const entries = Object.entries(headers)
    .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
    .slice(0, MAX_RESPONSE_HEADERS)
    .map(([name, value]) => [name, (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_HEADER_VALUE)]);
  return Object.fromEntries(entries);
}

