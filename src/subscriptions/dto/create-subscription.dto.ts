import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsHeaderMap } from './header-map.validator';
import { SignatureSettingsDto } from './signature-settings.dto';

export const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateSubscriptionDto {
  @IsString()
  @IsNotEmpty()
  vendor: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** The vendor's key, when the vendor issues it; generated when omitted for vendors that allow that. */
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  secret?: string;

  /** The URL exactly as it will be registered at the vendor; defaults to PUBLIC_BASE_URL/webhooks/{vendor}/{id}. */
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

  @IsOptional()
  @IsHeaderMap()
  requiredHeaders?: Record<string, string>;

  /** Vendor-specific settings (InsideView: subscriptionType, ids, frequency, fields). */
  @IsOptional()
  @IsObject()
  insideview?: Record<string, unknown>;
}
