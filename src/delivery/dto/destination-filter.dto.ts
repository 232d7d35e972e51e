import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { WebhookEventStatus } from '../../events/webhook-event.entity';

/** Which events a destination receives: fields combine with AND, the values of one field with OR. */
export class DestinationFilterDto {
  @ApiPropertyOptional({ description: 'Only events of these vendors (known vendors only)', type: [String], minItems: 1, maxItems: 50, example: ['acme'] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  vendors?: string[];

  @ApiPropertyOptional({ description: 'Only events of these subscriptions', type: [String], format: 'uuid', minItems: 1, maxItems: 100 })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  subscriptionIds?: string[];

  @ApiPropertyOptional({ description: "Only these vendor event types (the events API's `eventType`)", type: [String], minItems: 1, maxItems: 100, example: ['demo_session_finished'] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({
    description: 'Event statuses to deliver; default `["accepted"]` (`quarantined`: authentic, but not the documented shape)',
    type: [String],
    enum: WebhookEventStatus,
    enumName: 'WebhookEventStatus',
    minItems: 1,
    example: ['accepted'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(Object.values(WebhookEventStatus), { each: true })
  statuses?: string[];

  @ApiPropertyOptional({ description: 'Also deliver test events (test-event, simulate); default false', example: false })
  @IsOmittable()
  @IsBoolean()
  includeTest?: boolean;
}
