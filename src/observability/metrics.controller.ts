import { Controller, Get, Header, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../common/api-error.decorator';
import { AppException } from '../common/app.exception';
import { bearerToken, constantTimeEqual } from '../common/constant-time';
import { ErrorCode } from '../common/error-code';
import { Public } from '../common/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint; behind METRICS_TOKEN when one is set, not behind the API tokens. */
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiOperation({ summary: 'Prometheus metrics', description: 'Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; open otherwise.' })
  // Either no token (METRICS_TOKEN unset) or the metrics token: the API tokens are never asked for.
  @ApiSecurity({})
  @ApiSecurity('metrics')
  @ApiOkResponse({
    description: 'The Prometheus text format',
    content: { 'text/plain': { schema: { type: 'string' }, example: 'webhook_requests_total{vendor="acme",outcome="accepted"} 42' } },
  })
  @ApiError(401, 'METRICS_TOKEN is set, and this is not it', [ErrorCode.Unauthorized])
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    if (this.config.metricsToken) {
      const token = bearerToken(authorization) ?? '';
      if (!constantTimeEqual(token, this.config.metricsToken)) {
        throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.Unauthorized, 'Send Authorization: Bearer <METRICS_TOKEN>');
      }
    }
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
