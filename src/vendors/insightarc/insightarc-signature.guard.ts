import { Injectable } from '@nestjs/common';
import type { Subscription } from '../../subscriptions/subscription.entity';
import { hmacMatches, singleHeader } from '../../webhooks/signature';
import { type SignatureCheck, WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import { insightArcCanonicalBody } from './insightarc-canonical';
import { insightArcVendor } from './insightarc.vendor';

@Injectable()
export class InsightArcSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = insightArcVendor;

  /**
   * The URL is the one stored on the subscription (as registered at InsightArc), never the one the
   * request arrived on: a proxy changes host, scheme and path. InsightArc's own sample verifies
   * JSON.stringify(parsed body), which differs from the raw bytes when the sender does not serialise
   * compactly, so both messages are accepted.
   */
  protected verify(request: WebhookRequest, subscription: Subscription, secrets: string[]): SignatureCheck {
    const signature = singleHeader(request.headers['x-insightarc-signature']);
    if (signature === undefined) return 'missing';
    const url = subscription.callbackUrl;
    const messages: Array<Array<Buffer | string>> = [[request.rawBody!, url]];
    const canonical = insightArcCanonicalBody(request.body);
    if (canonical !== null) messages.push([canonical, url]);
    const matched = hmacMatches(signature, { algorithm: 'sha1', secrets, messages, encoding: 'base64' });
    return matched ? 'valid' : 'invalid';
  }
}
