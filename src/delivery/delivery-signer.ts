import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { inGrace } from '../subscriptions/secret-grace';
import type { Destination } from './destination.entity';

/** The prefix Standard Webhooks gives secrets: `whsec_` then base64 of the key bytes. */
const SECRET_PREFIX = 'whsec_';

/** A new destination signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks format). */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The Standard Webhooks headers for one attempt: `webhook-id`, `webhook-timestamp` (this attempt) and
 * `webhook-signature` with one `v1,<base64>` per secret, space separated (during a rotation's grace
 * both the current and the previous secret sign, so a consumer holding either verifies). Signed by the
 * `standardwebhooks` library itself, so we stay byte-compatible with every consumer that verifies with it.
 */
export function signatureHeaders(secrets: string[], messageId: string, body: Buffer | string, now: Date = new Date()): Record<string, string> {
  if (secrets.length === 0) throw new Error('signatureHeaders needs at least one secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, now, body)).join(' '),
  };
}

/** The secrets that sign for a destination now: its current one, and the previous one while its grace runs. */
export function validSigningSecrets(destination: Pick<Destination, 'signingSecret' | 'previousSigningSecret' | 'previousSecretExpiresAt'>, now: Date = new Date()): string[] {
  const { signingSecret, previousSigningSecret, previousSecretExpiresAt } = destination;
  return inGrace(previousSigningSecret, previousSecretExpiresAt, now) ? [signingSecret, previousSigningSecret!] : [signingSecret];
}
