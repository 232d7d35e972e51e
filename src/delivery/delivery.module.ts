import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { DeliveryHttp } from './delivery-http';
import { Delivery } from './delivery.entity';
import { DestinationHostPolicy } from './destination-host-policy';
import { Destination } from './destination.entity';

/**
 * Push delivery: destinations (internal services), the fan-out of matching events into deliveries,
 * the worker that attempts them (Standard Webhooks signing, retries, leases), and their REST API.
 */
@Module({
  imports: [EventsModule, TypeOrmModule.forFeature([Destination, Delivery, DeliveryAttempt])],
  controllers: [],
  providers: [DestinationHostPolicy, DeliveryHttp],
})
export class DeliveryModule {}
