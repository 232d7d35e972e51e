import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
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

/** A secret's state before a rotation: the current one (none yet: null) and the previous one with its expiry. */
export interface SecretPair {
  current: string | null;
  previous: string | null;
  previousExpiresAt: Date | null;
}

/**
 * The rotation rule, for subscription secrets and destination signing secrets alike: the current
 * secret becomes the previous one for `graceSeconds`, and `graceSeconds: 0` ends every earlier one.
 * One previous secret at a time: a rotation with a grace while an earlier grace runs is refused with
 * 409 ROTATION_IN_GRACE, so no secret that was shown is cut short. `wording` says what the previous
 * secret still does and what 0 leaves, in the refusal. Returns what to store beside the new secret.
 */
export function rotatedPrevious(
  secrets: SecretPair,
  graceSeconds: number,
  wording: { stillDoes: string; onlyNew: string },
  now = new Date(),
): { previous: string | null; previousExpiresAt: Date | null } {
  if (graceSeconds > 0 && inGrace(secrets.previous, secrets.previousExpiresAt, now)) {
    throw new AppException(
      HttpStatus.CONFLICT,
      ErrorCode.RotationInGrace,
      `The previous ${wording.stillDoes} until ${secrets.previousExpiresAt!.toISOString()} (the last rotation's grace): rotate again after that, ` +
        `or with graceSeconds 0 to ${wording.onlyNew} from now on (that ends the previous secret too)`,
    );
  }
  return secrets.current !== null && graceSeconds > 0
    ? { previous: secrets.current, previousExpiresAt: new Date(now.getTime() + graceSeconds * 1000) }
    : { previous: null, previousExpiresAt: null };
}
