import { hmac, hmacMatches, type SignatureScheme, singleHeader } from '../../webhooks/signature';

/**
 * The form of a delivery InsightArc's own sample signs and verifies: JSON.stringify of the parsed
 * body (compact, keys in the order sent). Whitespace, a byte-order mark or escapes in the raw bytes
 * do not change it, so it is also what identifies a delivery. Null when there is none: nothing was
 * parsed, or it nests too deep to re-serialise (the raw bytes still count).
 */
export function insightArcCanonicalBody(payload: unknown): string | null {
  if (payload === undefined) return null;
  try {
    return JSON.stringify(payload);
  } catch {
    return null;
  }
}

/**
 * `x-insightarc-signature`: base64 HMAC-SHA1 of the body followed by the callback URL. The URL is
 * the one stored on the subscription (as registered at InsightArc), never the one the request
 * arrived on: a proxy changes host, scheme and path. InsightArc's own sample verifies
 * JSON.stringify(parsed body), which differs from the raw bytes when the sender does not serialise
 * compactly, so a signature over either is accepted.
 */
export const insightArcSignatureScheme: SignatureScheme = {
  header: 'x-insightarc-signature',
  description: "Base64 HMAC-SHA1 of the body followed by the subscription's callbackUrl exactly as registered at InsightArc, keyed with InsightArc's webhook secret",
  verify(delivery, secrets, target) {
    const signature = singleHeader(delivery.headers['x-insightarc-signature']);
    if (signature === undefined) return 'missing';
    const url = target.callbackUrl;
    const messages: Array<Array<Buffer | string>> = [[delivery.rawBody, url]];
    const canonical = insightArcCanonicalBody(delivery.body);
    if (canonical !== null) messages.push([canonical, url]);
    const matched = hmacMatches(signature, { algorithm: 'sha1', secrets, messages, encoding: 'base64' });
    return matched ? 'valid' : 'invalid';
  },
  sign: (body, secret, target) => ({ 'x-insightarc-signature': hmac('sha1', secret, [body, target.callbackUrl], 'base64') }),
};
