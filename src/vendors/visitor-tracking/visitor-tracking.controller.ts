import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { ApiVendorWebhook } from '../../webhooks/api-vendor-webhook.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { VisitorTrackingEventDto } from './dto/visitor-tracking-event.dto';
import { VisitorTrackingSignatureGuard } from './visitor-tracking-signature.guard';
import { VISITOR_TRACKING_DOCUMENTED_SAMPLE } from './visitor-tracking.sample';
import { visitorTrackingVendor } from './visitor-tracking.vendor';
import { visitorTrackingSignatureScheme } from './visitor-tracking.signature';

@Public()
@Controller('webhooks/visitor-tracking')
@UseGuards(VisitorTrackingSignatureGuard)
@ApiVendorWebhook({
  title: 'Visitor-tracking',
  payload: VisitorTrackingEventDto,
  example: VISITOR_TRACKING_DOCUMENTED_SAMPLE,
  signature: visitorTrackingSignatureScheme,
  headCheck: 'The platform makes no HEAD check; answers 200 for a known subscription.',
})
export class VisitorTrackingController extends VendorWebhookController {
  protected readonly vendor = visitorTrackingVendor;
}
