import { hmac, hmacMatches, type SignatureScheme, singleHeader } from '../../webhooks/signature';

/**
 * `X-InsideViewAPI-AlertDataSignature`: HMAC-SHA1 of the raw body with the signing secret.
 * InsideView does not say how it encodes the digest; public integrations use lowercase hex, so
 * hex (either case) and base64 are both accepted, and hex is what is sent.
 */
export const insideviewSignatureScheme: SignatureScheme = {
  header: 'X-InsideViewAPI-AlertDataSignature',
  description: 'HMAC-SHA1 of the raw body, hex or base64, keyed with the signing secret the gateway gave InsideView at creation',
  verify(delivery, secrets) {
    const signature = singleHeader(delivery.headers['x-insideviewapi-alertdatasignature']);
    if (signature === undefined) return 'missing';
    const messages = [[delivery.rawBody]];
    const hex = /^[0-9a-fA-F]{40}$/.test(signature);
    const matched = hex
      ? hmacMatches(signature.toLowerCase(), { algorithm: 'sha1', secrets, messages, encoding: 'hex' })
      : hmacMatches(signature, { algorithm: 'sha1', secrets, messages, encoding: 'base64' });
    return matched ? 'valid' : 'invalid';
  },
  sign: (body, secret) => ({ 'X-InsideViewAPI-AlertDataSignature': hmac('sha1', secret, [body], 'hex') }),
};
