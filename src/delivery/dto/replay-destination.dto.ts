import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { DestinationEventFilterDto } from './destination-event-filter.dto';

/** The event filters of GET /api/events; the destination's own filter applies too. */
export class ReplayDestinationDto extends DestinationEventFilterDto {
  @ApiPropertyOptional({ description: 'Only count what would be re-queued; send nothing', default: false, example: true })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;
}
