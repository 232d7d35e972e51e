import { type CanActivate, Controller, Head, HttpCode, Post, Req, type Type, UseGuards } from '@nestjs/common';
import { Public } from '../common/public.decorator';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { ApiVendorWebhookHead, ApiVendorWebhookPost } from './api-vendor-webhook.decorator';
import { WebhookPipeline } from './webhook-pipeline';
import type { WebhookRequest } from './webhook-request';

/**
 * A vendor's webhook controller with nothing of its own: POST and HEAD on
 * /webhooks/{vendor}/{subscriptionId}, behind the vendor's signature guard, documented from its
 * definition. Each call makes a new class, so each vendor's routes carry their own docs:
 * `export class AcmeController extends VendorWebhookController(acmeVendor, AcmeSignatureGuard) {}`.
 * A vendor that does more declares the two routes itself, the same way.
 */
export function VendorWebhookController(vendor: VendorDefinition, guard: Type<CanActivate>): Type<object> {
  @Public()
  @Controller(`webhooks/${vendor.name}`)
  @UseGuards(guard)
  class WebhookController {
    constructor(readonly pipeline: WebhookPipeline) {}

    @Post(':subscriptionId')
    @HttpCode(200)
    @ApiVendorWebhookPost(vendor)
    receive(@Req() request: WebhookRequest) {
      return this.pipeline.receive(vendor, request);
    }

    @Head(':subscriptionId')
    @HttpCode(200)
    @ApiVendorWebhookHead(vendor)
    check(@Req() request: WebhookRequest) {
      return this.pipeline.check(vendor, request);
    }
  }
  return WebhookController;
}
