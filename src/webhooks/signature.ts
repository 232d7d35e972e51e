import { createHmac } from 'node:crypto';
import { matchesAny } from '../common/constant-time';

export type HmacAlgorithm = 'sha1' | 'sha256';

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
