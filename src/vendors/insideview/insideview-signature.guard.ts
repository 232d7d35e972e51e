import { Injectable } from '@nestjs/common';
import { WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import { insideviewVendor } from './insideview.vendor';

/** Verifies deliveries with the vendor's signature scheme (see insideview.signature.ts). */
@Injectable()
export class InsideViewSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = insideviewVendor;
}
