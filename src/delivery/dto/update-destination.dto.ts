import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateDestinationDto } from './create-destination.dto';

/**
 * The settings PATCH may change, each optional, with the same validation as at creation. `filter`
 * and `headers` replace the whole value (`headers: {}` removes every static header);
 * `rateLimitPerSecond: null` makes it unlimited. `startFrom` is for creation only (use replay).
 */
export class UpdateDestinationDto extends PartialType(OmitType(CreateDestinationDto, ['startFrom'] as const), { skipNullProperties: false }) {}
