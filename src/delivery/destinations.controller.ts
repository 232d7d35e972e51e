import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiManagementRoutes } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { DeliveriesService, MAX_REPLAY_EVENTS } from './deliveries.service';
import { CancelResult } from './delivery.view';
import { DestinationPage, DestinationView, DestinationWithSecret, ReplayResult, TestPingReport } from './destination.view';
import { DestinationsService } from './destinations.service';
import { CancelDeliveriesDto } from './dto/cancel-deliveries.dto';
import { CreateDestinationDto } from './dto/create-destination.dto';
import { ListDestinationsQuery } from './dto/list-destinations.query';
import { ReplayDestinationDto } from './dto/replay-destination.dto';
import { RotateDestinationSecretDto } from './dto/rotate-destination-secret.dto';
import { UpdateDestinationDto } from './dto/update-destination.dto';

const DESTINATION_ID = ApiParam({ name: 'id', description: 'The destination id', format: 'uuid' });
const NOT_FOUND = ApiError(404, 'No destination with this id', [ErrorCode.DestinationNotFound]);
const INVALID = ApiError(400, 'The body or query is not valid', [ErrorCode.ValidationFailed]);
const INVALID_SETTINGS = ApiError(400, 'The body is not valid (the field is named), a filter vendor is unknown, or the URL is on a host not allowed', [
  ErrorCode.ValidationFailed,
  ErrorCode.UnknownVendor,
  ErrorCode.DestinationHostNotAllowed,
]);

@ApiTags('destinations')
@ApiManagementRoutes()
@Controller('api/destinations')
export class DestinationsController {
  constructor(
    private readonly destinations: DestinationsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @ApiOperation({
    summary: 'Create a destination',
    description:
      'An internal service that receives each matching event as a signed POST (Standard Webhooks), retried until it answers 2xx. ' +
      'Answers the `signingSecret`, shown this once: the consumer verifies every request with it.',
  })
  @ApiCreatedResponse({ type: DestinationWithSecret })
  @INVALID_SETTINGS
  @Post()
  create(@Body() dto: CreateDestinationDto) {
    return this.destinations.create(dto);
  }

  @ApiOperation({ summary: 'List destinations', description: 'Oldest first. Signing secrets are never shown, static headers by name only.' })
  @ApiOkResponse({ type: DestinationPage })
  @INVALID
  @Get()
  list(@Query() query: ListDestinationsQuery) {
    return this.destinations.list(query);
  }

  @ApiOperation({ summary: 'Read a destination' })
  @DESTINATION_ID
  @ApiOkResponse({ type: DestinationView })
  @NOT_FOUND
  @Get(':id')
  get(@Param('id') id: string) {
    return this.destinations.get(id);
  }

  @ApiOperation({ summary: 'Change a destination', description: 'Only the fields given change; `filter` and `headers` are replaced whole. A `url` on another origin needs `headers` given again (`{}` for none): the stored ones are never sent elsewhere.' })
  @DESTINATION_ID
  @ApiOkResponse({ type: DestinationView })
  @INVALID_SETTINGS
  @NOT_FOUND
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateDestinationDto) {
    return this.destinations.update(id, dto);
  }

  @ApiOperation({
    summary: 'Delete a destination',
    description: 'Nothing more is sent to it and it answers 404 from then on; its pending deliveries end as `cancelled`, and all its deliveries stay readable.',
  })
  @DESTINATION_ID
  @ApiNoContentResponse({ description: 'Deleted' })
  @NOT_FOUND
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.destinations.remove(id);
  }

  @ApiOperation({ summary: 'Pause a destination', description: 'Nothing is sent until it is resumed; matching events keep queuing.' })
  @DESTINATION_ID
  @ApiOkResponse({ type: DestinationView })
  @NOT_FOUND
  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param('id') id: string) {
    return this.destinations.pause(id);
  }

  @ApiOperation({
    summary: 'Resume a destination',
    description: 'Active again after a pause, or after the gateway disabled it (410, or failing too long); clears any Retry-After throttle. Its backlog flows.',
  })
  @DESTINATION_ID
  @ApiOkResponse({ type: DestinationView })
  @NOT_FOUND
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string) {
    return this.destinations.resume(id);
  }

  @ApiOperation({
    summary: "Rotate a destination's signing secret",
    description:
      'A new secret, shown once. For `graceSeconds` (default 24 h) every request carries both signatures, space separated, so the consumer can switch at its pace. ' +
      'One previous secret at a time: while a grace runs, a rotation with a grace is refused with 409; `graceSeconds: 0` signs with the new secret alone from then on.',
  })
  @DESTINATION_ID
  @ApiOkResponse({ type: DestinationWithSecret })
  @INVALID
  @ApiError(409, "The last rotation's grace still runs and a grace was asked for", [ErrorCode.RotationInGrace])
  @NOT_FOUND
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string, @Body() dto: RotateDestinationSecretDto) {
    return this.destinations.rotateSecret(id, dto);
  }

  @ApiOperation({
    summary: 'Send a signed ping',
    description:
      'POSTs `{type: "gateway.ping", destinationId, sentAt}` with `webhook-id` `ping_<random>`, signed and with the static headers as every delivery is, ' +
      'and reports the answer (its first 4 KB). Sent whatever the status; no event or delivery is recorded.',
  })
  @DESTINATION_ID
  @ApiOkResponse({ description: 'Sent (or tried); `ok` says whether it answered 2xx', type: TestPingReport })
  @ApiError(400, 'The URL is on a host not allowed (DESTINATION_ALLOWED_HOSTS changed since it was stored): nothing was sent', [ErrorCode.DestinationHostNotAllowed])
  @NOT_FOUND
  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id') id: string) {
    return this.destinations.test(id);
  }

  @ApiOperation({
    summary: 'Replay events to a destination',
    description:
      "Events matching these filters (those of GET /api/events) and the destination's own filter, whatever its startFrom, are queued again: " +
      'new deliveries, or existing ones back to pending with a fresh count of attempts. With `dryRun: true` only the count is answered. ' +
      `At most ${MAX_REPLAY_EVENTS} events per call: more is refused (400 REPLAY_TOO_LARGE), nothing queued; split the range with since and until.`,
  })
  @DESTINATION_ID
  @ApiOkResponse({ type: ReplayResult })
  @ApiError(400, `The body is not valid, or more than ${MAX_REPLAY_EVENTS} events match (without dryRun): replay them in parts with since and until`, [
    ErrorCode.ValidationFailed,
    ErrorCode.ReplayTooLarge,
  ])
  @NOT_FOUND
  @Post(':id/replay')
  @HttpCode(200)
  replay(@Param('id') id: string, @Body() dto: ReplayDestinationDto) {
    return this.deliveries.replay(id, dto);
  }

  @ApiOperation({
    summary: "Cancel a destination's pending deliveries",
    description:
      'Its pending deliveries whose event matches these filters (those of a replay; none given: every pending one) end as `cancelled`: never sent unless retried or replayed. ' +
      'With `dryRun: true` only the count is answered. Attempts in flight are not recalled, but their outcomes change nothing.',
  })
  @DESTINATION_ID
  @ApiOkResponse({ type: CancelResult })
  @INVALID
  @NOT_FOUND
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string, @Body() dto: CancelDeliveriesDto) {
    return this.deliveries.cancelMatching(id, dto);
  }
}
