import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryHttp } from './delivery-http';
import { Delivery } from './delivery.entity';
import { DestinationHostPolicy } from './destination-host-policy';
import { Destination } from './destination.entity';
import { DestinationsController } from './destinations.controller';
import { DestinationsService } from './destinations.service';

/**
 * Push delivery: destinations (internal services), the fan-out of matching events into deliveries,
 * the worker that attempts them (Standard Webhooks signing, retries, leases), and their REST API.
 */
@Module({
  imports: [EventsModule, SubscriptionsModule, TypeOrmModule.forFeature([Destination, Delivery, DeliveryAttempt])],
  controllers: [DestinationsController, DeliveriesController],
  providers: [DestinationHostPolicy, DeliveryHttp, DestinationsService, DeliveriesService],
  exports: [DestinationHostPolicy, DeliveryHttp],
})
export class DeliveryModule {}
