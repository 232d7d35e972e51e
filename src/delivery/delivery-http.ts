import http from 'node:http';
import https from 'node:https';
import type { DestinationHostPolicy } from './destination-host-policy';

/** What one POST to a destination came to. */
export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  responseHeaders: Record<string, string>;
  /** The first 4 KB of the answer. */
  responseBody: string | null;
  error: string | null;
  /** From a Retry-After header (seconds or an HTTP date), when there is one. */
  retryAfterSeconds: number | null;
}

const RESPONSE_LIMIT = 4096;

function retryAfter(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** POSTs to one destination over keep-alive connections; never follows redirects; reads at most 4 KB of an answer. */
export class DeliveryHttp {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly policy: DestinationHostPolicy) {}

  post(url: string, headers: Record<string, string>, body: Buffer | string, timeoutMs: number, signal?: AbortSignal): Promise<AttemptResult> {
    const started = Date.now();
    const done = (partial: Partial<AttemptResult>): AttemptResult => ({
      statusCode: null,
      responseHeaders: {},
      responseBody: null,
      error: null,
      retryAfterSeconds: null,
      ...partial,
      durationMs: Date.now() - started,
    });
    try {
      this.policy.assertAllowed(url);
    } catch (error) {
      return Promise.resolve(done({ error: (error as Error).message }));
    }
    return new Promise<AttemptResult>((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const request = client.request(target, {
        method: 'POST',
        agent: target.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, 'content-length': String(payload.length) },
      });
      const timer = setTimeout(() => {
        finish(done({ error: `timed out after ${timeoutMs} ms` }));
        request.destroy();
      }, timeoutMs);
      const onAbort = () => {
        finish(done({ error: 'aborted: the gateway is stopping' }));
        request.destroy();
      };
      signal?.addEventListener('abort', onAbort);
      request.on('error', (error) => finish(done({ error: error.message })));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const headersOut: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headersOut[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const answer = () =>
          done({
            statusCode: response.statusCode ?? null,
            responseHeaders: headersOut,
            responseBody: Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8'),
            retryAfterSeconds: retryAfter(headersOut['retry-after']),
          });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_LIMIT) {
            finish(answer());
            response.destroy();
          }
        });
        response.on('end', () => finish(answer()));
        response.on('error', () => finish(answer()));
      });
      request.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
