import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Subscription } from '../../subscriptions/subscription.entity';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlertsController } from './insideview-alerts.controller';
import { InsideViewAlertsService } from './insideview-alerts.service';
import { InsideViewApiClient } from './insideview-api.client';
import { InsideViewMetrics } from './insideview-metrics';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { InsideViewStatusSyncJob } from './insideview-status-sync.job';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { InsideViewThrottle } from './insideview-throttle.service';
import { InsideViewController } from './insideview.controller';
import { insideviewVendor } from './insideview.vendor';

@Module({
  imports: [WebhooksModule, TypeOrmModule.forFeature([...insideviewVendor.entities!, Subscription])],
  controllers: [InsideViewController, InsideViewAlertsController],
  providers: [
    InsideViewSignatureGuard,
    InsideViewApiClient,
    InsideViewMetrics,
    InsideViewThrottle,
    InsideViewSubscriptionsService,
    InsideViewAlertsService,
    InsideViewStatusSyncJob,
    AlertFetchJob,
  ],
})
export class InsideViewModule {
  static readonly vendor = insideviewVendor;
}
