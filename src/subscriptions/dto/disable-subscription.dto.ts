import { IsOptional, IsString, MaxLength } from 'class-validator';

export class DisableSubscriptionDto {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}
