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

  /** Readiness: 200 while the database answers, 503 (with Retry-After) while it does not. */
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiOkResponse({ type: HealthCheckView })
  @DATABASE_DOWN
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.checkDatabase();
  }

  /** Same as /health/ready, for probes configured before it existed. */
  @ApiOperation({ summary: 'Readiness, as /health/ready' })
  @ApiOkResponse({ type: HealthCheckView })
  @DATABASE_DOWN
  @Get()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  check(): Promise<HealthCheckResult> {
    return this.checkDatabase();
  }

  private async checkDatabase(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
    } catch {
      throw new AppException(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DatabaseUnavailable, 'The database is unavailable');
    }
  }
}
