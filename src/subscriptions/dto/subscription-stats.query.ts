import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class SubscriptionStatsQuery {
  @ApiPropertyOptional({ description: 'Count from this instant (at most 7 days ago); default 24 hours ago', format: 'date-time', example: '2024-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}
