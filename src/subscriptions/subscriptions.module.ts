import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallbackUrlPolicy } from './callback-url-policy';
import { Subscription } from './subscription.entity';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionStatsService } from './subscription-stats.service';
import { SubscriptionsService } from './subscriptions.service';
import { RejectionsService } from './rejections.service';
import { SubscriptionLifecycle } from './subscription-lifecycle';
import { SubscriptionLookup } from './subscription-lookup';
import { TestEventService } from './test-event.service';
import { VendorRegistry } from './vendor-registry';
import { WebhookRejection } from './webhook-rejection.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Subscription, WebhookRejection])],
  controllers: [SubscriptionsController],
  providers: [CallbackUrlPolicy, SubscriptionsService, SubscriptionLifecycle, SubscriptionLookup, VendorRegistry, RejectionsService, TestEventService, SubscriptionStatsService],
  exports: [SubscriptionsService, SubscriptionLifecycle, VendorRegistry, RejectionsService],
})
export class SubscriptionsModule {}
