import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { AlertFetchState } from '../insideview-alert.entity';

export class ListAlertsQuery {
  @ApiPropertyOptional({ enum: AlertFetchState, enumName: 'AlertFetchState' })
  @IsOptional()
  @IsEnum(AlertFetchState)
  state?: AlertFetchState;

  @ApiPropertyOptional({ description: 'The gateway subscription', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
