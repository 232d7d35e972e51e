import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Destination } from './destination.entity';

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers of one attempt, signed by the `standardwebhooks` library with every
 * secret given (space-separated `v1,<base64>` signatures, current secret first).
 */
export function signatureHeaders(secrets: string[], messageId: string, body: Buffer | string, now: Date = new Date()): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, now, body)).join(' '),
  };
}

/** The secrets an attempt is signed with: the current one, and the previous one during its grace. */
export function validSigningSecrets(destination: Destination, now: Date = new Date()): string[] {
  const secrets = [destination.signingSecret];
  if (destination.previousSigningSecret && destination.previousSecretExpiresAt && destination.previousSecretExpiresAt > now) {
    secrets.push(destination.previousSigningSecret);
  }
  return secrets;
}
