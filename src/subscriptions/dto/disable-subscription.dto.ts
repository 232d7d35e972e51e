import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class DisableSubscriptionDto {
  @ApiPropertyOptional({ description: 'Stored as disableReasonErrorCode (default OPERATOR_DISABLED)', maxLength: 64, example: 'OPERATOR_DISABLED' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({ description: 'Stored as disableReasonMessage', maxLength: 1000, example: 'Paused while Walnut rotates keys' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
