import { Module } from '@nestjs/common';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { InsightArcSignatureGuard } from './insightarc-signature.guard';
import { InsightArcController } from './insightarc.controller';

@Module({
  imports: [WebhooksModule],
  controllers: [InsightArcController],
  providers: [InsightArcSignatureGuard],
})
export class InsightArcModule {}
