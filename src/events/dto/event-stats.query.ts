import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export const STAT_BUCKETS = ['minute', 'hour'] as const;
export type StatBucket = (typeof STAT_BUCKETS)[number];

export class EventStatsQuery {
  @ApiPropertyOptional({ description: 'Received at or after this instant; default 3 hours before `until`', format: 'date-time', example: '2024-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Received before this instant; default now', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ description: 'Width of each count (UTC): at most 1440 buckets per request', enum: STAT_BUCKETS, default: 'minute' })
  @IsOptional()
  @IsIn(STAT_BUCKETS)
  bucket?: StatBucket;
}
