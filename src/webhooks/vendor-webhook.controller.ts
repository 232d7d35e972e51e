import { Head, HttpCode, Injectable, OnModuleInit, Post, Req } from '@nestjs/common';
import { EventIngestService } from '../events/event-ingest.service';
import type { WebhookReceipt } from '../events/webhook-receipt';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { VendorRegistry } from '../subscriptions/vendor-registry';
import type { VendorDefinition } from '../vendors/vendor-definition';
import type { WebhookRequest } from './webhook-request';

/**
 * The routes every vendor shares: POST stores a delivery, HEAD answers the vendor's URL check.
 * A vendor's controller extends this with its path, its signature guard and its definition.
 */
@Injectable()
export abstract class VendorWebhookController implements OnModuleInit {
  protected abstract readonly vendor: VendorDefinition;

  constructor(
    protected readonly ingest: EventIngestService,
    protected readonly subscriptions: SubscriptionsService,
    private readonly registry: VendorRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.vendor);
  }

  @Post(':subscriptionId')
  @HttpCode(200)
  async receive(@Req() request: WebhookRequest): Promise<WebhookReceipt> {
    const receipt = await this.ingest.ingest(this.vendor, {
      subscription: request.subscription!,
      rawBody: request.rawBody!,
      payload: request.body,
      headers: request.headers,
    });
    request.res!.locals.receipt = receipt;
    return receipt;
  }

  @Head(':subscriptionId')
  @HttpCode(200)
  async check(@Req() request: WebhookRequest): Promise<void> {
    await this.subscriptions.markVerified(this.vendor, request.subscription!);
  }
}
