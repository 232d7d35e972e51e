import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { WebhookPipeline } from './webhook-pipeline';

/** What every vendor module imports: the webhook pipeline, the subscription lookup and the event store. */
@Module({
  imports: [SubscriptionsModule, EventsModule],
  providers: [WebhookPipeline],
  exports: [WebhookPipeline, SubscriptionsModule, EventsModule],
})
export class WebhooksModule {}
