import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { LimitQuery } from '../../common/page.query';
import type { EventFilter } from '../event-filter';
import { WebhookEventStatus } from '../webhook-event.entity';

export class ListEventsQuery extends LimitQuery implements EventFilter {
  // Its enum in /docs is the app's vendor list.
  @ApiPropertyOptional({ description: 'Events of this vendor only' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  vendor?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @ApiPropertyOptional({ example: 'order.created' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @ApiPropertyOptional({ description: "`quarantined`: authentic, but not the vendor's documented shape", enum: WebhookEventStatus, enumName: 'WebhookEventStatus' })
  @IsOptional()
  @IsEnum(WebhookEventStatus)
  status?: WebhookEventStatus;

  /** `false` leaves out test events, `true` shows only them; both when omitted. */
  @ApiPropertyOptional({ description: '`false` leaves out test events, `true` shows only them; both when omitted', enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  isTest?: 'true' | 'false';

  /** Received at or after this instant (ISO-8601). */
  @ApiPropertyOptional({ description: 'Received at or after this instant', format: 'date-time', example: '2024-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Received before this instant (ISO-8601). */
  @ApiPropertyOptional({ description: 'Received before this instant', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** `nextCursor` of the previous page; omit to start at the oldest event. */
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page; omit to start at the oldest event', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;
}
