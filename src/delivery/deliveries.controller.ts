import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiManagementRoutes } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { DeliveriesService } from './deliveries.service';
import { DeliveryDetail, DeliveryPage, DeliveryView } from './delivery.view';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';

const DELIVERY_ID = ApiParam({ name: 'id', description: 'The delivery id', example: '981' });

@ApiTags('deliveries')
@ApiManagementRoutes()
@Controller('api/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @ApiOperation({ summary: 'List deliveries', description: 'Newest first; filter by destination, event and state. Pass `nextCursor` back as `cursor` for older ones.' })
  @ApiOkResponse({ type: DeliveryPage })
  @ApiError(400, 'A filter or the cursor is not valid', [ErrorCode.ValidationFailed])
  @Get()
  list(@Query() query: ListDeliveriesQuery) {
    return this.deliveries.list(query);
  }

  @ApiOperation({ summary: 'Read a delivery with its attempt log', description: 'Each attempt: time, status, duration, response headers and the first 4 KB of the body, or the error.' })
  @DELIVERY_ID
  @ApiOkResponse({ type: DeliveryDetail })
  @ApiError(404, 'No delivery with this id', [ErrorCode.DeliveryNotFound])
  @Get(':id')
  get(@Param('id') id: string) {
    return this.deliveries.get(id);
  }

  @ApiOperation({ summary: 'Retry a delivery now', description:
      'Back to pending, due now, with a fresh count of attempts (a delivered one is sent again). A pending one waiting for its next attempt (e.g. the blocked head of an ordered subscription) is tried at once; ' +
      'its round starts again, so orderingMaxHoldSeconds counts from this attempt.',
  })
  @DELIVERY_ID
  @ApiOkResponse({ type: DeliveryView })
  @ApiError(404, 'No delivery with this id, or its destination was deleted', [ErrorCode.DeliveryNotFound, ErrorCode.DestinationNotFound])
  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string) {
    return this.deliveries.retry(id);
  }

  @ApiOperation({
    summary: 'Cancel a pending delivery',
    description:
      'Ends it as `cancelled`: never sent again unless retried or replayed; kept and listed. An attempt in flight is not recalled, but its outcome changes nothing. ' +
      'Cancelling a cancelled one answers it as it is; a delivered or failed one is refused (409).',
  })
  @DELIVERY_ID
  @ApiOkResponse({ type: DeliveryView })
  @ApiError(404, 'No delivery with this id', [ErrorCode.DeliveryNotFound])
  @ApiError(409, 'It already ended: delivered or failed', [ErrorCode.DeliveryNotPending])
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string) {
    return this.deliveries.cancel(id);
  }
}
