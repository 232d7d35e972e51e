/** InsideView's own error codes, carried in the error body's `code` like the shared ones (ErrorCode). */
export enum InsideViewErrorCode {
  NotConfigured = 'INSIDEVIEW_NOT_CONFIGURED',
  /** InsideView answered with an error; its message (and code) are in the message. */
  Refused = 'INSIDEVIEW_REFUSED',
  Unavailable = 'INSIDEVIEW_UNAVAILABLE',
  Throttled = 'INSIDEVIEW_THROTTLED',
  AlertNotFound = 'ALERT_NOT_FOUND',
  AlertNotRetryable = 'ALERT_NOT_RETRYABLE',
}
