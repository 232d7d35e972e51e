import type { Subscription } from './subscription.entity';

/** When the previous secret's grace ends, or null when there is none still running (then it is never accepted). */
export function previousSecretGraceEnds(subscription: Subscription, now = new Date()): Date | null {
  const expires = subscription.previousSecretExpiresAt;
  return subscription.previousSecret !== null && expires !== null && expires > now ? expires : null;
}

/** Secrets a delivery may be signed with: the current one and the previous one while its grace lasts. */
export function validSecrets(subscription: Subscription, now = new Date()): string[] {
  const secrets = subscription.secret === null ? [] : [subscription.secret];
  if (previousSecretGraceEnds(subscription, now)) secrets.push(subscription.previousSecret!);
  return secrets;
}
