import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { DestinationEventFilterDto } from './destination-event-filter.dto';

/** The event filters of GET /api/events (those of a replay), applied to the destination's pending deliveries. */
export class CancelDeliveriesDto extends DestinationEventFilterDto {
  @ApiPropertyOptional({ description: 'Only count what would be cancelled; change nothing', default: false, example: true })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}
