import { Controller, Head, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../../common/public.decorator';
import { isTestDelivery } from '../../events/test-delivery';
import type { WebhookReceipt } from '../../events/webhook-receipt';
import { ApiVendorWebhookHead, ApiVendorWebhookPost } from '../../webhooks/api-vendor-webhook.decorator';
import { WebhookPipeline } from '../../webhooks/webhook-pipeline';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlertQueue } from './insideview-alert-queue';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { echoValidationCode } from './insideview-validation-code';
import { insideviewVendor } from './insideview.vendor';

@Public()
@Controller('webhooks/insideview')
@UseGuards(InsideViewSignatureGuard)
export class InsideViewController {
  constructor(
    private readonly pipeline: WebhookPipeline,
    private readonly alerts: InsideViewAlertQueue,
    private readonly fetchJob: AlertFetchJob,
  ) {}

  /** Stores the notification once, queues the alert for fetching, and wakes the fetch job. */
  @Post(':subscriptionId')
  @HttpCode(200)
  @ApiVendorWebhookPost(insideviewVendor)
  async receive(@Req() request: WebhookRequest): Promise<WebhookReceipt> {
    const receipt = await this.pipeline.receive(insideviewVendor, request);
    // A test event's alert id is made up: there is nothing at InsideView to fetch.
    if (!receipt.quarantined && !isTestDelivery(request.headers) && (await this.alerts.enqueue(request.subscription!, receipt.eventId, request.body))) {
      this.fetchJob.wake();
    }
    return receipt;
  }

  /** InsideView's validation handshake; its verdict reaches the subscription through the status sync. */
  @Head(':subscriptionId')
  @HttpCode(200)
  @ApiVendorWebhookHead(insideviewVendor)
  check(@Req() request: WebhookRequest, @Res({ passthrough: true }) response: Response): void {
    echoValidationCode(request, response);
  }
}
