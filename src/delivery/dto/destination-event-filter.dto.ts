import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsISO8601, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import type { EventFilter } from '../../events/event-filter';
import { WebhookEventStatus } from '../../events/webhook-event.entity';

/** The event filters of GET /api/events, as a replay or a cancel on one destination takes them. */
export class DestinationEventFilterDto implements EventFilter {
  @ApiPropertyOptional({ example: 'acme' })
  @IsOmittable()
  @IsString()
  @MaxLength(32)
  vendor?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  subscriptionId?: string;

  @ApiPropertyOptional({ example: 'demo_session_finished' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @ApiPropertyOptional({ enum: WebhookEventStatus, enumName: 'WebhookEventStatus' })
  @IsOmittable()
  @IsEnum(WebhookEventStatus)
  status?: WebhookEventStatus;

  @ApiPropertyOptional({ description: 'Received at or after this instant', format: 'date-time', example: '2024-01-01T00:00:00Z' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Received before this instant', format: 'date-time' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  until?: string;
}
