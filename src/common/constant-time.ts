import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time. Both sides are hashed first, so neither their contents
 * nor their lengths leak through timing.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

/** True when `candidate` equals any of `secrets`; every secret is compared, so timing says nothing. */
export function matchesAny(candidate: string | Buffer, secrets: ReadonlyArray<string | Buffer>): boolean {
  let found = false;
  for (const secret of secrets) {
    found = constantTimeEqual(candidate, secret) || found;
  }
  return found;
}

/** True when the SHA-256 of `candidate` equals any of `digests`; every digest is compared. */
export function digestMatchesAny(candidate: string, digests: readonly Buffer[]): boolean {
  const digest = createHash('sha256').update(candidate).digest();
  let found = false;
  for (const expected of digests) {
    found = (expected.length === digest.length && timingSafeEqual(digest, expected)) || found;
  }
  return found;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerToken(authorization: unknown): string | undefined {
  return typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
}
