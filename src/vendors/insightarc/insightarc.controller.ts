import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { ApiVendorWebhook } from '../../webhooks/api-vendor-webhook.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { InsightArcSignalDto } from './dto/insightarc-signal.dto';
import { InsightArcSignatureGuard } from './insightarc-signature.guard';
import { INSIGHTARC_DOCUMENTED_SAMPLE } from './insightarc.sample';
import { insightArcVendor } from './insightarc.vendor';
import { insightArcSignatureScheme } from './insightarc.signature';

@Public()
@Controller('webhooks/insightarc')
@UseGuards(InsightArcSignatureGuard)
@ApiVendorWebhook({
  title: 'InsightArc',
  payload: InsightArcSignalDto,
  example: INSIGHTARC_DOCUMENTED_SAMPLE,
  signature: insightArcSignatureScheme,
  headCheck: 'InsightArc checks the URL with HEAD when the webhook is created there and refuses it unless it gets 200; this turns a pending subscription ACTIVE.',
})
export class InsightArcController extends VendorWebhookController {
  protected readonly vendor = insightArcVendor;
}
