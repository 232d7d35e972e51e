import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiManagementRoutes } from '../../common/api-error.decorator';
import { ErrorCode } from '../../common/error-code';
import { ListAlertsQuery } from './dto/list-alerts.query';
import { AlertPage, AlertView } from './insideview-alert.view';
import { InsideViewAlertsService } from './insideview-alerts.service';
import { InsideViewErrorCode } from './insideview-error-code';

const ALERT_ID = ApiParam({ name: 'id', description: "The gateway's alert id", format: 'uuid' });
const NOT_FOUND = ApiError(404, 'No alert with this id', [InsideViewErrorCode.AlertNotFound]);

@ApiTags('insideview alerts')
@ApiManagementRoutes()
@Controller('api/insideview/alerts')
export class InsideViewAlertsController {
  constructor(private readonly alerts: InsideViewAlertsService) {}

  @ApiOperation({ summary: 'List InsideView alerts', description: 'Newest first, with the state of fetching their details.' })
  @ApiOkResponse({ type: AlertPage })
  @ApiError(400, 'A filter is not valid', [ErrorCode.ValidationFailed])
  @Get()
  list(@Query() query: ListAlertsQuery) {
    return this.alerts.list(query);
  }

  @ApiOperation({ summary: 'Read one alert', description: 'With its fetched `details`, every page merged.' })
  @ALERT_ID
  @ApiOkResponse({ type: AlertView })
  @NOT_FOUND
  @Get(':id')
  get(@Param('id') id: string) {
    return this.alerts.get(id);
  }

  @ApiOperation({ summary: 'Fetch an alert again', description: 'Puts a failed (or fetched) alert back in the queue with a fresh count of attempts.' })
  @ALERT_ID
  @ApiOkResponse({ type: AlertView })
  @NOT_FOUND
  @ApiError(409, 'The alert is pending or being fetched, or its subscription was deleted', [InsideViewErrorCode.AlertNotRetryable])
  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string) {
    return this.alerts.retry(id);
  }
}
