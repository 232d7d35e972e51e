import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiError } from '../common/api-error.decorator';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { Public } from '../common/public.decorator';
import { HealthCheckView } from './health-check.view';

const DATABASE_DOWN = ApiError(503, 'The database does not answer', [ErrorCode.DatabaseUnavailable]);

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never checks dependencies, so a database outage does not restart it. */
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthCheckView })
  @Get('live')
  // Documented here: terminus's own schema shows its error body, not the one this service answers.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness: 200 while the database answers, 503 (with Retry-After) while it does not. Also at
   * /health, for probes set up before /health/ready.
   */
  @ApiOperation({ summary: 'Readiness: the database answers (/health is the same)' })
  @ApiOkResponse({ type: HealthCheckView })
  @DATABASE_DOWN
  @Get(['ready', ''])
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
    } catch {
      throw new AppException(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DatabaseUnavailable, 'The database is unavailable');
    }
  }
}
