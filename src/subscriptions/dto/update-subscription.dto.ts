import { PartialType, PickType } from '@nestjs/swagger';
import { CreateSubscriptionDto } from './create-subscription.dto';

/**
 * The settings PATCH may change, each optional, with the same validation as at creation.
 * `requiredHeaders` replaces the whole set (`{}` removes every required header); `signature`
 * changes only the fields it names.
 */
export class UpdateSubscriptionDto extends PartialType(
  PickType(CreateSubscriptionDto, ['name', 'description', 'callbackUrl', 'eventTypes', 'signature', 'requiredHeaders'] as const),
  // Left out is unchanged; null is checked like any value (so refused), except where null clears (description).
  { skipNullProperties: false },
) {}
