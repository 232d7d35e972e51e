import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule } from '../config/config.module';
import { EventsModule } from '../events/events.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryHttp } from './delivery-http';
import { DELIVERY_CONFIG, loadDeliveryConfig } from './delivery.config';
import { DeliveryFanout } from './delivery-fanout';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryWorker } from './delivery-worker';
import { Delivery } from './delivery.entity';
import { DestinationHostPolicy } from './destination-host-policy';
import { Destination } from './destination.entity';
import { DestinationsController } from './destinations.controller';
import { DestinationsService } from './destinations.service';
import { IngestPriority } from './ingest-priority';

/**
 * Push delivery: destinations (internal services), the fan-out of matching events into deliveries,
 * the worker that attempts them (Standard Webhooks signing, retries, leases), and their REST API.
 */
@Module({
  // Its variables are validated when the module starts: a bad one stops the start, naming it.
  imports: [ConfigModule.forFeature(DELIVERY_CONFIG, loadDeliveryConfig), EventsModule, SubscriptionsModule, TypeOrmModule.forFeature([Destination, Delivery, DeliveryAttempt])],
  controllers: [DestinationsController, DeliveriesController],
  providers: [DestinationHostPolicy, DeliveryHttp, DestinationsService, DeliveriesService, DeliveryFanout, DeliveryWorker, DeliveryMetrics, IngestPriority],
  exports: [DestinationHostPolicy, DeliveryHttp],
})
export class DeliveryModule {}
