import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/page.query';
import { SubscriptionStatus } from '../subscription-status';

export class ListSubscriptionsQuery extends PageQuery {
  // Its enum in /docs is the app's vendor list.
  @ApiPropertyOptional({ description: 'Subscriptions of this vendor only' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  vendor?: string;

  @ApiPropertyOptional({ enum: SubscriptionStatus, enumName: 'SubscriptionStatus' })
  @IsOptional()
  @IsEnum(SubscriptionStatus)
  status?: SubscriptionStatus;
}
