import { Injectable } from '@nestjs/common';
import { EventIngestService } from '../events/event-ingest.service';
import type { WebhookReceipt } from '../events/webhook-receipt';
import { SubscriptionLifecycle } from '../subscriptions/subscription-lifecycle';
import type { VendorDefinition } from '../vendors/vendor-definition';
import type { WebhookRequest } from './webhook-request';

/**
 * What every vendor's two webhook routes do, once its signature guard let the request through:
 * POST stores the delivery, HEAD answers the vendor's URL check. A vendor's controller declares the
 * routes and hands each request here.
 */
@Injectable()
export class WebhookPipeline {
  constructor(
    private readonly ingest: EventIngestService,
    private readonly lifecycle: SubscriptionLifecycle,
  ) {}

  async receive(vendor: VendorDefinition, request: WebhookRequest): Promise<WebhookReceipt> {
    const receipt = await this.ingest.ingest(vendor, {
      subscription: request.subscription!,
      rawBody: request.rawBody!,
      payload: request.body,
      headers: request.headers,
    });
    request.res!.locals.receipt = receipt;
    return receipt;
  }

  async check(vendor: VendorDefinition, request: WebhookRequest): Promise<void> {
    await this.lifecycle.headChecked(vendor, request.subscription!);
  }
}
