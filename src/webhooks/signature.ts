import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { matchesAny } from '../common/constant-time';
import type { Subscription } from '../subscriptions/subscription.entity';

export type HmacAlgorithm = 'sha1' | 'sha256';

/** What a vendor's check concluded about the signature header. */
export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/** What a signature check reads of a delivery: a webhook request once its body is parsed, raw bytes kept. */
export interface SignedDelivery {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The parsed body; undefined when nothing was parsed. */
  body: unknown;
}

/** What signing and verifying need of the subscription, beyond its secrets. */
export type SignatureTarget = Pick<Subscription, 'callbackUrl' | 'signature'>;

/**
 * How one vendor authenticates its deliveries, verify and sign side by side in the vendor's
 * `<vendor>.signature.ts`: its guard verifies with it, its sample signs with it, /docs describes it.
 */
export interface SignatureScheme {
  /** The header that carries the signature: the vendor's, or the default where a subscription may name another. */
  header: string;
  /** How the header's value is made, for /docs. */
  description: string;
  /** False where a delivery may authenticate with another header (the subscription names it); default true. */
  required?: boolean;
  /** Checks the delivery against every secret currently valid, in constant time. */
  verify(delivery: SignedDelivery, secrets: string[], target: SignatureTarget): SignatureCheck;
  /** The headers that authenticate `body`, as the vendor sends them. */
  sign(body: Buffer | string, secret: string, target: SignatureTarget): Record<string, string>;
}

/** HMAC of the concatenated parts, in the encoding the vendor sends. */
export function hmac(algorithm: HmacAlgorithm, secret: string, parts: Array<Buffer | string>, encoding: 'hex' | 'base64'): string {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
}

/**
 * True when `received` matches the HMAC of any candidate message under any secret. Every
 * combination is compared in constant time, so timing reveals neither which nor whether.
 */
export function hmacMatches(
  received: string,
  options: { algorithm: HmacAlgorithm; secrets: string[]; messages: Array<Array<Buffer | string>>; encoding: 'hex' | 'base64' },
): boolean {
  const expected = options.secrets.flatMap((secret) =>
    options.messages.map((parts) => hmac(options.algorithm, secret, parts, options.encoding)),
  );
  return matchesAny(received, expected);
}

/** A single header value, or undefined when absent, empty or repeated. */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
