/** Lifecycle of a webhook subscription; InsideView's values are mirrored verbatim. */
export enum SubscriptionStatus {
  VerificationPending = 'VERIFICATION_PENDING',
  Active = 'ACTIVE',
  Disabled = 'DISABLED',
}
