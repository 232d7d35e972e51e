/**
 * Stable error codes carried in every error body's `code` field. Clients may branch on them. These
 * are the shared ones; a feature with codes of its own keeps them in an enum in its folder.
 */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  MalformedJson = 'MALFORMED_JSON',
  EmptyBody = 'EMPTY_BODY',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  Unauthorized = 'UNAUTHORIZED',
  SignatureMissing = 'SIGNATURE_MISSING',
  SignatureInvalid = 'SIGNATURE_INVALID',
  SecretNotSet = 'SECRET_NOT_SET',
  RequiredHeaderMissing = 'REQUIRED_HEADER_MISSING',
  RequiredHeaderMismatch = 'REQUIRED_HEADER_MISMATCH',
  SubscriptionNotFound = 'SUBSCRIPTION_NOT_FOUND',
  SubscriptionDisabled = 'SUBSCRIPTION_DISABLED',
  /** A secret rotation with a grace while the last rotation's grace still runs. */
  RotationInGrace = 'ROTATION_IN_GRACE',
  EventNotFound = 'EVENT_NOT_FOUND',
  UnknownVendor = 'UNKNOWN_VENDOR',
  /** A callback URL on a host the gateway may not call: neither PUBLIC_BASE_URL's nor in CALLBACK_ALLOWED_HOSTS. */
  CallbackHostNotAllowed = 'CALLBACK_HOST_NOT_ALLOWED',
  /** A destination URL on a link-local or cloud-metadata host, or outside DESTINATION_ALLOWED_HOSTS when set. */
  DestinationHostNotAllowed = 'DESTINATION_HOST_NOT_ALLOWED',
  DestinationNotFound = 'DESTINATION_NOT_FOUND',
  DeliveryNotFound = 'DELIVERY_NOT_FOUND',
  /** A cancel of a delivery that already ended (delivered or failed): only a pending one is cancelled. */
  DeliveryNotPending = 'DELIVERY_NOT_PENDING',
  /** A replay matching more events than one call queues (MAX_REPLAY_EVENTS): to be split with since/until. */
  ReplayTooLarge = 'REPLAY_TOO_LARGE',
  InvalidCursor = 'INVALID_CURSOR',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  Conflict = 'CONFLICT',
  RateLimited = 'RATE_LIMITED',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  /** Not ready to serve (e.g. shutting down). */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  InternalError = 'INTERNAL_ERROR',
}
