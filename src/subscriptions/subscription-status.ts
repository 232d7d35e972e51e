/** Lifecycle of a webhook subscription; a vendor that owns the status uses these values too, mirrored verbatim. */
export enum SubscriptionStatus {
  VerificationPending = 'VERIFICATION_PENDING',
  Active = 'ACTIVE',
  Disabled = 'DISABLED',
}
