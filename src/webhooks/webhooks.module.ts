import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';

/** What every vendor module imports: the subscription lookup and the event store. */
@Module({
  imports: [SubscriptionsModule, EventsModule],
  exports: [SubscriptionsModule, EventsModule],
})
export class WebhooksModule {}
