import type { Subscription } from './subscription.entity';

/**
 * The rule after a rotation, for subscription secrets and destination signing secrets alike: the
 * previous secret still counts while its grace has not ended.
 */
export function inGrace(previousSecret: string | null, expiresAt: Date | null, now = new Date()): boolean {
  return previousSecret !== null && expiresAt !== null && expiresAt.getTime() > now.getTime();
}

/** When the previous secret's grace ends, or null when there is none still running (then it is never accepted). */
export function previousSecretGraceEnds(subscription: Subscription, now = new Date()): Date | null {
  return inGrace(subscription.previousSecret, subscription.previousSecretExpiresAt, now) ? subscription.previousSecretExpiresAt : null;
}

/** Secrets a delivery may be signed with: the current one and the previous one while its grace lasts. */
export function validSecrets(subscription: Subscription, now = new Date()): string[] {
  const secrets = subscription.secret === null ? [] : [subscription.secret];
  if (previousSecretGraceEnds(subscription, now)) secrets.push(subscription.previousSecret!);
  return secrets;
}
