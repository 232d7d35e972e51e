import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength, ValidateNested } from 'class-validator';
import { URL_OPTIONS } from './create-subscription.dto';
import { IsHeaderMap } from './header-map.validator';
import { SignatureSettingsDto } from './signature-settings.dto';

export class UpdateSubscriptionDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  callbackUrl?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventTypes?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => SignatureSettingsDto)
  signature?: SignatureSettingsDto;

  /** Replaces the whole set; `{}` removes every required header. */
  @IsOptional()
  @IsHeaderMap()
  requiredHeaders?: Record<string, string>;
}
