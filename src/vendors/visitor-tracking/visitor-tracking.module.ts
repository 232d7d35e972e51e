import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { VisitorTrackingSignatureGuard } from './visitor-tracking-signature.guard';
import { VisitorTrackingController } from './visitor-tracking.controller';
import { visitorTrackingVendor } from './visitor-tracking.vendor';

@Module({
  imports: [WebhooksModule],
  controllers: [VisitorTrackingController],
  providers: [VisitorTrackingSignatureGuard],
})
export class VisitorTrackingModule {
  static readonly vendor = visitorTrackingVendor;
}
