import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule } from '../../config/config.module';
import { Subscription } from '../../subscriptions/subscription.entity';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlert } from './insideview-alert.entity';
import { InsideViewAlertsController } from './insideview-alerts.controller';
import { InsideViewAlertQueue } from './insideview-alert-queue';
import { InsideViewAlertsService } from './insideview-alerts.service';
import { InsideViewApiClient } from './insideview-api.client';
import { InsideViewMetrics } from './insideview-metrics';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { InsideViewStatusSyncJob } from './insideview-status-sync.job';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { InsideViewThrottle } from './insideview-throttle.service';
import { VendorThrottle } from './vendor-throttle.entity';
import { INSIDEVIEW_CONFIG, loadInsideViewConfig } from './insideview.config';
import { InsideViewController } from './insideview.controller';

@Module({
  // Its variables are validated when the module starts: a bad one stops the start, naming it.
  imports: [ConfigModule.forFeature(INSIDEVIEW_CONFIG, loadInsideViewConfig), WebhooksModule, TypeOrmModule.forFeature([InsideViewAlert, Subscription, VendorThrottle])],
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
    AlertFetchJob,
  ],
})
export class InsideViewModule {}
