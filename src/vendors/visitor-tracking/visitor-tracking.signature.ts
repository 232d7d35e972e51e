import { matchesAny } from '../../common/constant-time';
import type { SignatureSettings } from '../../subscriptions/subscription.entity';
import { hmac, hmacMatches, type SignatureScheme, singleHeader } from '../../webhooks/signature';

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

/**
 * The header and scheme are the subscription's: `token` (default) holds the secret itself,
 * `hmac-sha256` a hex HMAC-SHA256 of the raw body (a `sha256=` prefix allowed).
 */
export const visitorTrackingSignatureScheme: SignatureScheme = {
  header: VISITOR_TRACKING_DEFAULT_SIGNATURE.header,
  description:
    "The default name; the subscription's `signature.header` may name another. Scheme `token` (default): the shared secret itself; " +
    '`hmac-sha256`: lowercase hex HMAC-SHA256 of the raw body, `sha256=` prefix optional. The `requiredHeaders` of the subscription must be sent too',
  required: false,
  verify(delivery, secrets, target) {
    const { header, scheme } = visitorTrackingSignature(target);
    const received = singleHeader(delivery.headers[header.toLowerCase()]);
    if (received === undefined) return 'missing';
    if (scheme === 'token') return matchesAny(received, secrets) ? 'valid' : 'invalid';
    const matched = hmacMatches(received.replace(/^sha256=/i, '').toLowerCase(), {
      algorithm: 'sha256',
      secrets,
      messages: [[delivery.rawBody]],
      encoding: 'hex',
    });
    return matched ? 'valid' : 'invalid';
  },
  sign(body, secret, target) {
    const { header, scheme } = visitorTrackingSignature(target);
    return { [header]: scheme === 'token' ? secret : hmac('sha256', secret, [body], 'hex') };
  },
};
