import { Controller, Head, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../../common/public.decorator';
import { EventIngestService } from '../../events/event-ingest.service';
import { isTestDelivery } from '../../events/test-delivery';
import type { WebhookReceipt } from '../../events/webhook-receipt';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service';
import { VendorRegistry } from '../../subscriptions/vendor-registry';
import { ApiVendorWebhook } from '../../webhooks/api-vendor-webhook.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import type { VendorDefinition } from '../vendor-definition';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlertNotificationDto } from './dto/insideview-alert-notification.dto';
import { InsideViewAlertQueue } from './insideview-alert-queue';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { INSIDEVIEW_DOCUMENTED_SAMPLE } from './insideview.sample';
import { insideviewVendor } from './insideview.vendor';
import { insideviewSignatureScheme } from './insideview.signature';

/** InsideView's header, with exactly this casing: InsideView compares the name case-sensitively. */
export const VALIDATION_HEADER = 'X-InsideViewAPI-ValidationCode';

@Public()
@Controller('webhooks/insideview')
@UseGuards(InsideViewSignatureGuard)
@ApiVendorWebhook({
  title: 'InsideView',
  payload: InsideViewAlertNotificationDto,
  example: INSIDEVIEW_DOCUMENTED_SAMPLE,
  signature: insideviewSignatureScheme,
  headCheck:
    "InsideView validates the URL with a HEAD carrying X-InsideViewAPI-ValidationCode, within 2–3 minutes of the subscription's creation; " +
    "the code is echoed in a response header of exactly that name and casing. InsideView's verdict reaches the subscription through the status sync.",
  echoedHeader: { name: VALIDATION_HEADER, description: "InsideView's validation code, echoed in the response (at most 500 characters)" },
})
export class InsideViewController extends VendorWebhookController {
  protected readonly vendor: VendorDefinition;

  constructor(
    ingest: EventIngestService,
    subscriptions: SubscriptionsService,
    registry: VendorRegistry,
    insideview: InsideViewSubscriptionsService,
    private readonly alerts: InsideViewAlertQueue,
    private readonly fetchJob: AlertFetchJob,
  ) {
    super(ingest, subscriptions, registry);
    this.vendor = {
      ...insideviewVendor,
      validateSettings: (settings) => insideview.validateSettings(settings),
      register: (subscription, settings) => insideview.register(subscription, settings),
      unregister: async (subscription) => {
        await insideview.unregister(subscription);
        await this.alerts.abandonQueued(subscription.id);
      },
      sync: (subscription) => insideview.sync(subscription),
    };
  }

  /** Stores the notification once, queues the alert for fetching, and wakes the fetch job. */
  @Post(':subscriptionId')
  @HttpCode(200)
  override async receive(@Req() request: WebhookRequest): Promise<WebhookReceipt> {
    const receipt = await super.receive(request);
    // A test event's alert id is made up: there is nothing at InsideView to fetch.
    if (!receipt.quarantined && !isTestDelivery(request.headers) && (await this.alerts.enqueue(request.subscription!, receipt.eventId, request.body))) {
      this.fetchJob.wake();
    }
    return receipt;
  }

  /** The validation handshake: echo the code in a header of exactly InsideView's name and casing. */
  @Head(':subscriptionId')
  @HttpCode(200)
  override async check(@Req() request: WebhookRequest, @Res({ passthrough: true }) response?: Response): Promise<void> {
    const code = request.headers[VALIDATION_HEADER.toLowerCase()];
    if (typeof code === 'string' && code.length <= 500) response!.setHeader(VALIDATION_HEADER, code);
  }
}
