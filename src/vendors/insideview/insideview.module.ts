import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule } from '../../config/config.module';
import { Subscription } from '../../subscriptions/subscription.entity';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { AlertDetailsEvents } from './alert-details-event';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlertsController } from './insideview-alerts.controller';
import { InsideViewAlertQueue } from './insideview-alert-queue';
import { InsideViewAlertsService } from './insideview-alerts.service';
import { InsideViewApiClient } from './insideview-api.client';
import { InsideViewMetrics } from './insideview-metrics';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { InsideViewStatusSyncJob } from './insideview-status-sync.job';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { InsideViewThrottle } from './insideview-throttle.service';
import { INSIDEVIEW_CONFIG, loadInsideViewConfig } from './insideview.config';
import { InsideViewController } from './insideview.controller';
import { insideviewVendor } from './insideview.vendor';

@Module({
  // Its variables are validated when the module starts: a bad one stops the start, naming it.
  imports: [ConfigModule.forFeature(INSIDEVIEW_CONFIG, loadInsideViewConfig), WebhooksModule, TypeOrmModule.forFeature([...insideviewVendor.entities!, Subscription])],
  controllers: [InsideViewController, InsideViewAlertsController],
  providers: [
    InsideViewSignatureGuard,
    InsideViewApiClient,
    InsideViewMetrics,
    InsideViewThrottle,
    InsideViewSubscriptionsService,
    InsideViewAlertQueue,
    InsideViewAlertsService,
    InsideViewStatusSyncJob,
    AlertDetailsEvents,
    AlertFetchJob,
  ],
})
export class InsideViewModule {
  static readonly vendor = insideviewVendor;
}
