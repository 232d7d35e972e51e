import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { IsSubscriptionSecret } from './secret.validator';

export const DEFAULT_GRACE_SECONDS = 24 * 60 * 60;

export class RotateSecretDto {
  /** The new secret as the vendor issued it; generated when omitted. */
  @ApiPropertyOptional({
    description: 'The new secret as the vendor issued it (required for vendors that issue their own). Omitted: generated, and shown once in the answer',
    minLength: 8,
    maxLength: 500,
    example: 'whsec_fedcba9876543210',
  })
  @IsOmittable()
  @IsSubscriptionSecret()
  secret?: string;

  /** How long the old secret keeps working (default 24 h; 0 ends it at once; at most 30 days). */
  @ApiPropertyOptional({ description: 'How long the old secret keeps working; 0 ends it at once', type: 'integer', minimum: 0, maximum: 30 * 24 * 60 * 60, default: DEFAULT_GRACE_SECONDS, example: 0 })
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 60 * 60)
  graceSeconds?: number;
}
