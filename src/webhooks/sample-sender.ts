import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { cappedRequest, describeRequestError } from '../common/capped-request';
import { TEST_DELIVERY_HEADER } from '../events/test-delivery';
import type { HeadCheck, SampleTarget, VendorDefinition } from '../vendors/vendor-definition';

/** What happened to one request sent to a callback URL, for a person to read. */
export class DeliveryReport {
  @ApiProperty({ enum: ['POST', 'HEAD'], example: 'POST' })
  method: 'POST' | 'HEAD';

  @ApiProperty({ example: 'https://gateway.example.com/webhooks/acme/3f0c6f5e-8f7a-4a5e-9a57-2b1c3d4e5f60' })
  url: string;

  @ApiProperty({ description: "True when the answer is what the vendor needs to see (2xx; for a HEAD check, 200 and whatever else the vendor checks, such as an echoed header)", example: true })
  ok: boolean;

  @ApiProperty({ description: 'The status answered; null when no answer came (DNS, TLS, connection, timeout)', type: 'integer', nullable: true, example: 200 })
  status: number | null;

  @ApiProperty({ type: 'integer', example: 42 })
  durationMs: number;

  @ApiPropertyOptional({
    description: "The answer's body: parsed when it is JSON, else its first 2000 characters",
    oneOf: [{ type: 'object', additionalProperties: true }, { type: 'string' }],
    example: { received: true, eventId: '1042', duplicate: false, quarantined: false },
  })
  response?: unknown;

  @ApiPropertyOptional({ description: 'True when the answer was longer than 64 KB: only its first 64 KB were read, then the connection was closed', example: true })
  responseTruncated?: boolean;

  @ApiPropertyOptional({ description: 'Why the request failed, in the words an operator searches for', example: 'ENOTFOUND: getaddrinfo ENOTFOUND gateway.example.com' })
  error?: string;
}

export { describeRequestError };

export interface RawAnswer {
  status: number;
  rawHeaders: string[];
  body: string;
  /** The body went on past the cap: only that much was read. */
  truncated: boolean;
}

/** The most of an answer's body that is read; the rest is never received. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Sends the vendor's sample, signed for `target`, to its callback URL, marked as a test delivery. */
export async function sendSampleDelivery(
  vendor: VendorDefinition,
  target: SampleTarget,
  options: { extraHeaders?: Record<string, string>; timeoutMs?: number } = {},
): Promise<DeliveryReport> {
  const sample = vendor.sample(target);
  const headers = { 'Content-Type': 'application/json', [TEST_DELIVERY_HEADER]: 'true', ...options.extraHeaders, ...sample.headers };
  return timed('POST', target.callbackUrl, () => sendRequest('POST', target.callbackUrl, headers, sample.body, options.timeoutMs), (answer) => ({ ok: answer.status >= 200 && answer.status < 300 }));
}

/** The vendor's HEAD check of the callback URL, made and judged as the vendor makes and judges it. */
export async function sendHeadCheck(check: HeadCheck, url: string, timeoutMs?: number): Promise<DeliveryReport> {
  const headers = check.request();
  return timed('HEAD', url, () => sendRequest('HEAD', url, headers, undefined, timeoutMs), (answer) => {
    if (answer.status !== 200) return { ok: false };
    const problem = check.judge(headers, answer.rawHeaders);
    return problem === null ? { ok: true } : { ok: false, error: problem };
  });
}

/** Whether an answer is what the vendor needs, and if not for a reason the status does not show, that reason. */
interface Verdict {
  ok: boolean;
  error?: string;
}

async function timed(method: 'POST' | 'HEAD', url: string, call: () => Promise<RawAnswer>, judge: (answer: RawAnswer) => Verdict): Promise<DeliveryReport> {
  const started = performance.now();
  try {
    const answer = await call();
    const verdict = judge(answer);
    const report: DeliveryReport = { method, url, ok: verdict.ok, status: answer.status, durationMs: Math.round(performance.now() - started) };
    if (answer.body) {
      try {
        report.response = JSON.parse(answer.body);
      } catch {
        report.response = answer.body.slice(0, 2000);
      }
    }
    if (answer.truncated) report.responseTruncated = true;
    if (verdict.error) report.error = verdict.error;
    return report;
  } catch (error) {
    return { method, url, ok: false, status: null, durationMs: Math.round(performance.now() - started), error: describeRequestError(error) };
  }
}

/**
 * One request, its answer read up to `maxAnswerBytes` (the rest is never received), the whole
 * exchange under one deadline. Redirects are never followed.
 */
export async function sendRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs = 10_000,
  maxAnswerBytes = MAX_ANSWER_BYTES,
): Promise<RawAnswer> {
  const answer = await cappedRequest({ method, url: new URL(url), headers, body, timeoutMs, capBytes: maxAnswerBytes });
  return { status: answer.status, rawHeaders: answer.rawHeaders, body: answer.body.toString('utf8'), truncated: answer.truncated };
}
