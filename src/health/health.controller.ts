import { Controller, Get, HttpStatus } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { Public } from '../common/public.decorator';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /** Liveness: the process answers. Never checks dependencies, so a database outage does not restart it. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: 200 while the database answers, 503 (with Retry-After) while it does not. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.checkDatabase();
  }

  /** Same as /health/ready, for probes configured before it existed. */
  @Get()
  @HealthCheck()
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
