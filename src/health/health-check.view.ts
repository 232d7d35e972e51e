import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';
import type { HealthCheckResult, HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';

/** Each check by name, with its status. */
const INDICATORS: { type: 'object'; additionalProperties: SchemaObject } = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
    required: ['status'],
    additionalProperties: true,
  },
};

/** Terminus's answer to a passing health check, as the docs show it; `implements` keeps the two in step. */
export class HealthCheckView implements HealthCheckResult {
  @ApiProperty({ enum: ['ok', 'degraded'], example: 'ok' })
  status: HealthCheckStatus;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that passed', example: { database: { status: 'up' } } })
  info?: HealthIndicatorResult;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that failed (none, in a 200)', example: {} })
  error?: HealthIndicatorResult;

  @ApiProperty({ ...INDICATORS, description: 'Every check: `database` on /health/ready and /health, none on /health/live', example: { database: { status: 'up' } } })
  details: HealthIndicatorResult;
}
