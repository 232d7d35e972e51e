import { Injectable } from '@nestjs/common';
import { matchesAny } from '../../common/constant-time';
import type { Subscription } from '../../subscriptions/subscription.entity';
import { hmacMatches, singleHeader } from '../../webhooks/signature';
import { type SignatureCheck, WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import { visitorTrackingSignature } from './visitor-tracking.signature';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

@Injectable()
export class VisitorTrackingSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = visitorTrackingVendor;

  /** The header and scheme are the subscription's: `token` holds the secret itself, `hmac-sha256` signs the raw body. */
  protected verify(request: WebhookRequest, subscription: Subscription, secrets: string[]): SignatureCheck {
    const { header, scheme } = visitorTrackingSignature(subscription);
    const received = singleHeader(request.headers[header.toLowerCase()]);
    if (received === undefined) return 'missing';
    if (scheme === 'token') return matchesAny(received, secrets) ? 'valid' : 'invalid';
    const matched = hmacMatches(received.replace(/^sha256=/i, '').toLowerCase(), {
      algorithm: 'sha256',
      secrets,
      messages: [[request.rawBody!]],
      encoding: 'hex',
    });
    return matched ? 'valid' : 'invalid';
  }
}
