import { Injectable } from '@nestjs/common';
import { WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

/** Verifies deliveries with the vendor's signature scheme (see visitor-tracking.signature.ts). */
@Injectable()
export class VisitorTrackingSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = visitorTrackingVendor;
}
