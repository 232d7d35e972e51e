import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Subscription } from '../../subscriptions/subscription.entity';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { AlertDetailsEvents } from './alert-details-event';
import { AlertFetchJob } from './alert-fetch.job';
import { InsideViewAlert } from './insideview-alert.entity';
import { InsideViewAlertsController } from './insideview-alerts.controller';
import { InsideViewAlertsService } from './insideview-alerts.service';
import { InsideViewApiClient } from './insideview-api.client';
import { InsideViewMetrics } from './insideview-metrics';
import { InsideViewSignatureGuard } from './insideview-signature.guard';
import { InsideViewStatusSyncJob } from './insideview-status-sync.job';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { InsideViewThrottle } from './insideview-throttle.service';
import { VendorThrottle } from './vendor-throttle.entity';
import { InsideViewController } from './insideview.controller';

@Module({
  imports: [WebhooksModule, TypeOrmModule.forFeature([InsideViewAlert, Subscription, VendorThrottle])],
  controllers: [InsideViewController, InsideViewAlertsController],
  providers: [
    InsideViewSignatureGuard,
    InsideViewApiClient,
    InsideViewMetrics,
    InsideViewThrottle,
    InsideViewSubscriptionsService,
    InsideViewAlertsService,
    InsideViewStatusSyncJob,
    AlertDetailsEvents,
    AlertFetchJob,
  ],
})
export class InsideViewModule {}
