import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ListAlertsQuery } from './dto/list-alerts.query';
import { InsideViewAlertsService } from './insideview-alerts.service';

@Controller('api/insideview/alerts')
export class InsideViewAlertsController {
  constructor(private readonly alerts: InsideViewAlertsService) {}

  @Get()
  list(@Query() query: ListAlertsQuery) {
    return this.alerts.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.alerts.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string) {
    return this.alerts.retry(id);
  }
}
