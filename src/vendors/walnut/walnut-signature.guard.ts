import { Injectable } from '@nestjs/common';
import { hmacMatches, singleHeader } from '../../webhooks/signature';
import { type SignatureCheck, WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import { walnutVendor } from './walnut.vendor';

@Injectable()
export class WalnutSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = walnutVendor;

  protected verify(request: WebhookRequest, _subscription: unknown, secrets: string[]): SignatureCheck {
    const signature = singleHeader(request.headers['x-walnut-signature']);
    if (signature === undefined) return 'missing';
    const matched = hmacMatches(signature.toLowerCase(), {
      algorithm: 'sha256',
      secrets,
      messages: [[request.rawBody!]],
      encoding: 'hex',
    });
    return matched ? 'valid' : 'invalid';
  }
}
