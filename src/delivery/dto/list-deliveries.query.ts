import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsUUID, ValidateBy } from 'class-validator';
import { isBigintId } from '../../events/event-cursor';
import { LimitQuery } from '../../common/page.query';
import { DeliveryState } from '../delivery.entity';

export class ListDeliveriesQuery extends LimitQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  destinationId?: string;

  @ApiPropertyOptional({ description: 'The event id, as the events API shows it', example: '1042' })
  @IsOptional()
  @IsBigintId('eventId must be an event id (digits)')
  eventId?: string;

  @ApiPropertyOptional({ enum: DeliveryState, enumName: 'DeliveryState' })
  @IsOptional()
  @IsEnum(DeliveryState)
  state?: DeliveryState;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page; omit to start at the newest', maxLength: 100 })
  @IsOptional()
  @IsBigintId('cursor must be a nextCursor this API handed out')
  cursor?: string;
}

/** A PostgreSQL bigint id in decimal digits. */
function IsBigintId(message: string): PropertyDecorator {
  return ValidateBy({ name: 'isBigintId', validator: { validate: (value: unknown) => typeof value === 'string' && isBigintId(value), defaultMessage: () => message } });
}
