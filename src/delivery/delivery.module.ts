import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryFanout } from './delivery-fanout';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryWorker } from './delivery-worker';
import { Delivery } from './delivery.entity';
import { Destination } from './destination.entity';

/**
 * Push delivery: destinations (internal services), the fan-out of matching events into deliveries,
 * the worker that attempts them (Standard Webhooks signing, retries, leases), and their REST API.
 */
@Module({
  imports: [EventsModule, TypeOrmModule.forFeature([Destination, Delivery, DeliveryAttempt])],
  controllers: [],
  providers: [DeliveryFanout, DeliveryWorker, DeliveryMetrics],
})
export class DeliveryModule {}
