import { Controller, UseGuards } from '@nestjs/common';
import { Public } from '../../common/public.decorator';
import { VendorWebhookController } from '../../webhooks/vendor-webhook.controller';
import { VisitorTrackingSignatureGuard } from './visitor-tracking-signature.guard';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

@Public()
@Controller('webhooks/visitor-tracking')
@UseGuards(VisitorTrackingSignatureGuard)
export class VisitorTrackingController extends VendorWebhookController {
  protected readonly vendor = visitorTrackingVendor;
}
