import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { InsightArcSignatureGuard } from './insightarc-signature.guard';
import { InsightArcController } from './insightarc.controller';
import { insightArcVendor } from './insightarc.vendor';

@Module({
  imports: [WebhooksModule],
  controllers: [InsightArcController],
  providers: [InsightArcSignatureGuard],
})
export class InsightArcModule {
  static readonly vendor = insightArcVendor;
}
