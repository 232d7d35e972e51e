import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/page.query';
import { DestinationStatus } from '../destination.entity';

export class ListDestinationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DestinationStatus, enumName: 'DestinationStatus' })
  @IsOptional()
  @IsEnum(DestinationStatus)
  status?: DestinationStatus;
}
