import { request as httpRequest, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface CappedRequest {
  method: string;
  url: URL;
  /** Sent as given; a `content-length` is added when there is a body. */
  headers: OutgoingHttpHeaders;
  body?: Buffer | string;
  /** Node's global agent when absent. */
  agent?: Agent;
  /** The whole exchange, answer included. */
  timeoutMs: number;
  /** The most of the answer's body that is read. */
  capBytes: number;
  signal?: AbortSignal;
}

export interface CappedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** At most `capBytes`. */
  body: Buffer;
  /** The body went on past the cap: only that much was read, and the connection was closed. */
  truncated: boolean;
}

/**
 * Sends one request and reads its answer up to `capBytes` (then the connection is destroyed, so an
 * endless answer costs nothing), the whole exchange under one deadline (so a slow drip cannot hold it
 * open). Redirects are never followed. Rejects on DNS, TLS and connection errors, on an answer that
 * breaks off, with a `TimeoutError` at the deadline and an `AbortError` when `signal` aborts.
 */
export function cappedRequest(options: CappedRequest): Promise<CappedAnswer> {
  const { method, url, body, timeoutMs, capBytes, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(named('AbortError', 'aborted before it was sent'));
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      agent: options.agent,
      headers: body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => request.destroy(named('AbortError', 'aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = setTimeout(() => request.destroy(named('TimeoutError', `no complete answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => settle(() => reject(error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (truncated: boolean): CappedAnswer => ({
        status: response.statusCode ?? 0,
        headers: response.headers,
        rawHeaders: response.rawHeaders,
        body: Buffer.concat(chunks),
        truncated,
      });
      response.on('data', (chunk: Buffer) => {
        const room = capBytes - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (chunk.length > room) {
          // Enough read: the rest is never received, the connection is not reused.
          settle(() => resolve(answer(true)));
          request.destroy();
        }
      });
      response.on('end', () => settle(() => resolve(answer(false))));
      response.on('error', (error) => settle(() => reject(error)));
      response.on('close', () => settle(() => reject(new Error('the answer broke off before its end'))));
    });
    request.end(body);
  });
}

function named(name: 'AbortError' | 'TimeoutError', message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** DNS, TLS and connection failures, in the words an operator searches for. */
export function describeRequestError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ? `${code}: ${message}` : (message ?? String(error));
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfter(value: string | undefined): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
