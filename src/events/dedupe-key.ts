import { createHash } from 'node:crypto';

/** The dedupe key of an event whose vendor gives it no id: the SHA-256 of the bytes that identify it. */
export function bodyHashKey(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
