import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';

export class DisableSubscriptionDto {
  @ApiPropertyOptional({ description: 'Stored as disableReasonErrorCode (default OPERATOR_DISABLED)', maxLength: 64, example: 'OPERATOR_DISABLED' })
  @IsOmittable()
  @IsString()
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({ description: 'Stored as disableReasonMessage', maxLength: 1000, example: 'Paused while the vendor rotates keys' })
  @IsOmittable()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
