import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { WebhookOutcomeMiddleware } from './webhook-outcome.middleware';

/**
 * What every vendor module imports: the subscription lookup and the event store. Also provides
 * the middleware createApp mounts ahead of the body parser to settle each delivery's outcome.
 */
@Module({
  imports: [SubscriptionsModule, EventsModule],
  providers: [WebhookOutcomeMiddleware],
  exports: [SubscriptionsModule, EventsModule],
})
export class WebhooksModule {}
