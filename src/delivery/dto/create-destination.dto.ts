import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import type { DestinationFormat, DestinationOrdering } from '../destination.entity';
import { DestinationFilterDto } from './destination-filter.dto';
import { IsDestinationHeaders, IsDestinationUrl, IsStartFrom } from './destination-input.validators';

export const DESTINATION_LIMITS = {
  maxConcurrency: { min: 1, max: 1000, default: 10 },
  rateLimitPerSecond: { min: 1, max: 100_000 },
  timeoutMs: { min: 100, max: 60_000, default: 15_000 },
  orderingMaxHoldSeconds: { min: 1, max: 604_800 },
} as const;

export class CreateDestinationDto {
  @ApiProperty({ maxLength: 200, example: 'Orders service' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({
    description: 'Where events are POSTed: http or https, no credentials; not a link-local or cloud-metadata host, and in DESTINATION_ALLOWED_HOSTS when that is set',
    format: 'uri',
    maxLength: 2000,
    example: 'https://orders.internal/hooks/gateway',
  })
  @IsDestinationUrl()
  url: string;

  @ApiPropertyOptional({ description: 'Which events it receives; empty or omitted: every accepted, non-test event', type: () => DestinationFilterDto })
  @IsOmittable()
  @IsObject()
  @ValidateNested()
  @Type(() => DestinationFilterDto)
  filter?: DestinationFilterDto;

  @ApiPropertyOptional({
    description: "`envelope`: a JSON envelope with the event's fields and payload; `raw`: the vendor's exact bytes and Content-Type, the other fields as x-gateway-* headers",
    enum: ['envelope', 'raw'],
    default: 'envelope',
  })
  @IsOmittable()
  @IsIn(['envelope', 'raw'])
  format?: DestinationFormat;

  @ApiPropertyOptional({
    description: 'Static headers sent with every attempt (e.g. an internal auth token); stored encrypted, only their names are ever shown. Not webhook-*, x-gateway-*, Content-Type or hop-by-hop headers',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer 2f9c8e1d7b6a' },
  })
  @IsOmittable()
  @IsDestinationHeaders()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description: "`none`: concurrent; `subscription`: one subscription's events one at a time, in feed order (a failing event holds back only its own subscription's later events)",
    enum: ['none', 'subscription'],
    default: 'none',
  })
  @IsOmittable()
  @IsIn(['none', 'subscription'])
  ordering?: DestinationOrdering;

  @ApiPropertyOptional({
    description:
      "With ordering `subscription`: how long one event may hold back the rest of its subscription, counted from its first attempt (or from the first attempt after a retry or replay). Once an attempt fails past it, that delivery ends `failed` (dead-lettered, kept for retry) and the subscription's next event goes; its retries are never scheduled past it. Null or omitted: no bound (a failing event holds its subscription until it is delivered, runs out of attempts, or is cancelled). Ignored with ordering `none`",
    type: 'integer',
    minimum: 1,
    maximum: 604800,
    nullable: true,
    example: 3600,
  })
  // Null has a meaning here: no bound.
  @IsOptional()
  @IsInt()
  @Min(DESTINATION_LIMITS.orderingMaxHoldSeconds.min)
  @Max(DESTINATION_LIMITS.orderingMaxHoldSeconds.max)
  orderingMaxHoldSeconds?: number | null;

  @ApiPropertyOptional({ description: 'Attempts in flight to it at once, across all instances', type: 'integer', minimum: 1, maximum: 1000, default: 10 })
  @IsOmittable()
  @IsInt()
  @Min(DESTINATION_LIMITS.maxConcurrency.min)
  @Max(DESTINATION_LIMITS.maxConcurrency.max)
  maxConcurrency?: number;

  @ApiPropertyOptional({ description: 'Attempts per second, across all instances; null or omitted: unlimited', type: 'integer', minimum: 1, maximum: 100000, nullable: true, example: 50 })
  // Null has a meaning here: unlimited.
  @IsOptional()
  @IsInt()
  @Min(DESTINATION_LIMITS.rateLimitPerSecond.min)
  @Max(DESTINATION_LIMITS.rateLimitPerSecond.max)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({ description: 'How long an attempt may take, answer included', type: 'integer', minimum: 100, maximum: 60000, default: 15000 })
  @IsOmittable()
  @IsInt()
  @Min(DESTINATION_LIMITS.timeoutMs.min)
  @Max(DESTINATION_LIMITS.timeoutMs.max)
  timeoutMs?: number;

  @ApiPropertyOptional({
    description: '`now` (events from now on), `beginning` (every stored event), or an ISO time (events received from then on). Replay ignores it',
    default: 'now',
    example: 'now',
  })
  @IsOmittable()
  @IsStartFrom()
  startFrom?: string;
}
