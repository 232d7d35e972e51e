import { hmac, hmacMatches, type SignatureScheme, singleHeader } from '../../webhooks/signature';

/** `X-Walnut-Signature`: lowercase hex HMAC-SHA256 of the raw body, keyed with the Walnut webhook key. */
export const walnutSignatureScheme: SignatureScheme = {
  header: 'X-Walnut-Signature',
  description: 'Lowercase hex HMAC-SHA256 of the raw body, keyed with the Walnut webhook key (the subscription secret)',
  verify(delivery, secrets) {
    const signature = singleHeader(delivery.headers['x-walnut-signature']);
    if (signature === undefined) return 'missing';
    const matched = hmacMatches(signature.toLowerCase(), { algorithm: 'sha256', secrets, messages: [[delivery.rawBody]], encoding: 'hex' });
    return matched ? 'valid' : 'invalid';
  },
  sign: (body, secret) => ({ 'X-Walnut-Signature': hmac('sha256', secret, [body], 'hex') }),
};
