import { Controller, Get, Param, Query } from '@nestjs/common';
import { ListEventsQuery } from './dto/list-events.query';
import { EventsService } from './events.service';

@Controller('api/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  list(@Query() query: ListEventsQuery) {
    return this.events.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.events.get(id);
  }
}
