import type { SignatureSettings } from '../../subscriptions/subscription.entity';

/**
 * The platform's documented default header; its default auth is that header holding a shared
 * secret, so `token` is the default scheme.
 */
export const VISITOR_TRACKING_DEFAULT_SIGNATURE: Required<SignatureSettings> = { header: 'X-Webhook-Signature', scheme: 'token' };

/** A subscription's (or a sample target's) signature settings with the defaults filled in. */
export function visitorTrackingSignature(subscription: { signature: SignatureSettings }): Required<SignatureSettings> {
  return {
    header: subscription.signature.header ?? VISITOR_TRACKING_DEFAULT_SIGNATURE.header,
    scheme: subscription.signature.scheme ?? VISITOR_TRACKING_DEFAULT_SIGNATURE.scheme,
  };
}
