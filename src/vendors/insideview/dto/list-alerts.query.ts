import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../../common/page.query';
import { AlertFetchState } from '../insideview-alert.entity';

export class ListAlertsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: AlertFetchState, enumName: 'AlertFetchState' })
  @IsOptional()
  @IsEnum(AlertFetchState)
  state?: AlertFetchState;

  @ApiPropertyOptional({ description: 'The gateway subscription', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;
}
