import { Type } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { WebhookEventStatus } from '../webhook-event.entity';

export class ListEventsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(32)
  vendor?: string;

  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @IsOptional()
  @IsEnum(WebhookEventStatus)
  status?: WebhookEventStatus;

  /** `false` leaves out test events, `true` shows only them; both when omitted. */
  @IsOptional()
  @IsIn(['true', 'false'])
  isTest?: 'true' | 'false';

  /** Received at or after this instant (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Received before this instant (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** `nextCursor` of the previous page; omit to start at the oldest event. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
