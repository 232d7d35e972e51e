import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { DEFAULT_GRACE_SECONDS } from '../../subscriptions/dto/rotate-secret.dto';

export class RotateDestinationSecretDto {
  @ApiPropertyOptional({
    description: 'How long the old secret keeps signing too (both signatures are sent, space separated); 0 ends it at once',
    type: 'integer',
    minimum: 0,
    maximum: 30 * 24 * 60 * 60,
    default: DEFAULT_GRACE_SECONDS,
    example: 3600,
  })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 60 * 60)
  graceSeconds?: number;
}
