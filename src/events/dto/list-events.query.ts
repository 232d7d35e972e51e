import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, registerDecorator } from 'class-validator';
import { LimitQuery } from '../../common/page.query';
import type { EventFilter } from '../event-filter';
import { MAX_PAYLOAD_MATCH_DEPTH, MAX_PAYLOAD_MATCH_LENGTH, payloadMatchProblem } from '../payload-match';
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

  /** A JSON object: only events whose payload contains it (jsonb `@>`); empty does not filter. */
  @ApiPropertyOptional({
    description:
      'A JSON object: only events whose payload contains it (JSON containment: every field given, at any depth, with the same value; ' +
      'an array matches an array holding at least those items). Example: `{"data":{"session_id":"…"}}`. ' +
      `At most ${MAX_PAYLOAD_MATCH_LENGTH} characters and ${MAX_PAYLOAD_MATCH_DEPTH} levels deep; empty does not filter`,
    maxLength: MAX_PAYLOAD_MATCH_LENGTH,
    example: '{"data":{"session_id":"sess_123"}}',
  })
  @IsOptional()
  @IsPayloadMatch()
  payload?: string;

  /** `nextCursor` of the previous page; omit to start at the oldest event. */
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page; omit to start at the oldest event', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;
}

/** A `payload` search: JSON text of an object that PostgreSQL can compare (see payloadMatchProblem); '' does not filter. */
function IsPayloadMatch(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isPayloadMatch',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => value === '' || payloadMatchProblem(value) === null,
        defaultMessage: (args) => payloadMatchProblem(args?.value, args?.property) ?? '',
      },
    });
  };
}
