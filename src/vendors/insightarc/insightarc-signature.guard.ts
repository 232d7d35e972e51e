import { Injectable } from '@nestjs/common';
import { WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import { insightArcVendor } from './insightarc.vendor';

/** Verifies deliveries with the vendor's signature scheme (see insightarc.signature.ts). */
@Injectable()
export class InsightArcSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = insightArcVendor;
}
