import type { WebhookReceipt } from '../events/webhook-receipt';

/** What became of one webhook delivery: the label of metrics and request logs. */
export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'quarantined'
  | 'unauthorized'
  | 'not_found'
  | 'disabled'
  | 'rejected'
  | 'unavailable'
  | 'error';

export function classifyOutcome(status: number, receipt: WebhookReceipt | undefined): WebhookOutcome {
  if (status < 300) return receipt?.duplicate ? 'duplicate' : receipt?.quarantined ? 'quarantined' : 'accepted';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 410) return 'disabled';
  if (status === 503) return 'unavailable';
  if (status < 500) return 'rejected';
  return 'error';
}
