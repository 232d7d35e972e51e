import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiManagementRoutes } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { EventStatsQuery } from './dto/event-stats.query';
import { ListEventsQuery } from './dto/list-events.query';
import { EventStats, EventStatsService } from './event-stats.service';
import { EventView } from './event.view';
import { EventPage, EventsService } from './events.service';

@ApiTags('events')
@ApiManagementRoutes()
@Controller('api/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly stats: EventStatsService,
  ) {}

  @ApiOperation({
    summary: 'Read the event feed',
    description:
      'Oldest first, in the order events committed. Pass `nextCursor` back as `cursor` to continue; an empty page keeps the same cursor, ' +
      'so a consumer polls with it to pick up new events. Order by `occurredAt` where the order of events matters.',
  })
  @ApiOkResponse({ type: EventPage })
  @ApiError(400, 'A filter is not valid, or the cursor is not one this API handed out', [ErrorCode.ValidationFailed, ErrorCode.InvalidCursor])
  @Get()
  list(@Query() query: ListEventsQuery) {
    return this.events.list(query);
  }

  // Before ':id', so `stats` is not taken for an event id.
  @ApiOperation({
    summary: 'Count events per vendor over time',
    description: 'Events received per vendor in each minute (or hour) from `since` to `until` (default: the last 3 hours), for charts. At most 1440 buckets.',
  })
  @ApiOkResponse({ type: EventStats })
  @ApiError(400, 'A parameter is not valid, since is not before until, or the range holds too many buckets', [ErrorCode.ValidationFailed])
  @Get('stats')
  statistics(@Query() query: EventStatsQuery) {
    return this.stats.perVendor(query);
  }

  @ApiOperation({ summary: 'Read one event', description: 'With `rawBody`: the exact bytes received, base64.' })
  @ApiParam({ name: 'id', description: 'The event id', example: '1042' })
  @ApiOkResponse({ type: EventView })
  @ApiError(404, 'No event with this id', [ErrorCode.EventNotFound])
  @Get(':id')
  get(@Param('id') id: string) {
    return this.events.get(id);
  }
}
