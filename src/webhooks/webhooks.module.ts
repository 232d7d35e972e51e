import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { WebhookOutcomeMiddleware } from './webhook-outcome.middleware';
import { WebhookPipeline } from './webhook-pipeline';

/**
 * What every vendor module imports: the webhook pipeline, the subscription lookup and the event
 * store. Also provides the middleware createApp mounts ahead of the body parser to settle each
 * delivery's outcome.
 */
@Module({
  imports: [SubscriptionsModule, EventsModule],
  providers: [WebhookPipeline, WebhookOutcomeMiddleware],
  exports: [WebhookPipeline, SubscriptionsModule, EventsModule],
})
export class WebhooksModule {}
