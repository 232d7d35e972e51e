import { Injectable } from '@nestjs/common';
import { hmacMatches, singleHeader } from '../../webhooks/signature';
import { type SignatureCheck, WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import { insideviewVendor } from './insideview.vendor';

/**
 * `X-InsideViewAPI-AlertDataSignature`: HMAC-SHA1 of the raw body with the signing secret.
 * InsideView does not say how it encodes the digest; public integrations use lowercase hex,
 * so hex (either case) and base64 are both accepted.
 */
@Injectable()
export class InsideViewSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = insideviewVendor;

  protected verify(request: WebhookRequest, _subscription: unknown, secrets: string[]): SignatureCheck {
    const signature = singleHeader(request.headers['x-insideviewapi-alertdatasignature']);
    if (signature === undefined) return 'missing';
    const messages = [[request.rawBody!]];
    const hex = /^[0-9a-fA-F]{40}$/.test(signature);
    const matched = hex
      ? hmacMatches(signature.toLowerCase(), { algorithm: 'sha1', secrets, messages, encoding: 'hex' })
      : hmacMatches(signature, { algorithm: 'sha1', secrets, messages, encoding: 'base64' });
    return matched ? 'valid' : 'invalid';
  }
}
