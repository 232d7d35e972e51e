import { Injectable } from '@nestjs/common';
import { WebhookSignatureGuard } from '../../webhooks/webhook-signature.guard';
import { walnutVendor } from './walnut.vendor';

/** Verifies deliveries with the vendor's signature scheme (see walnut.signature.ts). */
@Injectable()
export class WalnutSignatureGuard extends WebhookSignatureGuard {
  protected readonly vendor = walnutVendor;
}
