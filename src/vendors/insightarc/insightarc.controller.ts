import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { InsightArcSignatureGuard } from './insightarc-signature.guard';
import { insightArcVendor } from './insightarc.vendor';

@Public()
@Controller('webhooks/insightarc')
@UseGuards(InsightArcSignatureGuard)
export class InsightArcController extends VendorWebhookController {
  protected readonly vendor = insightArcVendor;
}
