import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const DEFAULT_GRACE_SECONDS = 24 * 60 * 60;

export class RotateSecretDto {
  /** The new secret as the vendor issued it; generated when omitted. */
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  secret?: string;

  /** How long the old secret keeps working (default 24 h; 0 ends it at once; at most 30 days). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 60 * 60)
  graceSeconds?: number;
}
