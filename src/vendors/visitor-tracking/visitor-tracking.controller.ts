import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { ApiVendorWebhook } from '../../webhooks/api-vendor-webhook.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { VisitorTrackingEventDto } from './dto/visitor-tracking-event.dto';
import { VisitorTrackingSignatureGuard } from './visitor-tracking-signature.guard';
import { VISITOR_TRACKING_DOCUMENTED_SAMPLE } from './visitor-tracking.sample';
import { VISITOR_TRACKING_DEFAULT_SIGNATURE } from './visitor-tracking.signature';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

@Public()
@Controller('webhooks/visitor-tracking')
@UseGuards(VisitorTrackingSignatureGuard)
@ApiVendorWebhook({
  title: 'Visitor-tracking',
  payload: VisitorTrackingEventDto,
  example: VISITOR_TRACKING_DOCUMENTED_SAMPLE,
  signature: {
    header: VISITOR_TRACKING_DEFAULT_SIGNATURE.header,
    description:
      "The default name; the subscription's `signature.header` may name another. Scheme `token` (default): the shared secret itself; " +
      '`hmac-sha256`: lowercase hex HMAC-SHA256 of the raw body, `sha256=` prefix optional. The `requiredHeaders` of the subscription must be sent too',
    required: false,
  },
  headCheck: 'The platform makes no HEAD check; answers 200 for a known subscription.',
})
export class VisitorTrackingController extends VendorWebhookController {
  protected readonly vendor = visitorTrackingVendor;
}
