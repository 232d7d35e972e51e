import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventIngestService } from './event-ingest.service';
import { EventWriter } from './event-writer';
import { EventsController } from './events.controller';
import { EventStatsService } from './event-stats.service';
import { EventsService } from './events.service';
import { WebhookEvent } from './webhook-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([WebhookEvent])],
  controllers: [EventsController],
  providers: [EventIngestService, EventWriter, EventsService, EventStatsService],
  exports: [EventIngestService, EventsService, EventWriter],
})
export class EventsModule {}
