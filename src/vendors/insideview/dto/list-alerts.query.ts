import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { AlertFetchState } from '../insideview-alert.entity';

export class ListAlertsQuery {
  @IsOptional()
  @IsEnum(AlertFetchState)
  state?: AlertFetchState;

  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
