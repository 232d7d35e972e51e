import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength, ValidateNested } from 'class-validator';
import { URL_OPTIONS } from './create-subscription.dto';
import { IsHeaderMap } from './header-map.validator';
import { SignatureSettingsDto } from './signature-settings.dto';

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Demo sessions (EMEA)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'The URL exactly as registered at the vendor (InsightArc signs over it)', format: 'uri', maxLength: 2000 })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  callbackUrl?: string;

  @ApiPropertyOptional({ description: 'Visitor-tracking: exactly one of `NEW_VISIT`, `NEW_VISITOR`', type: [String], maxItems: 20, example: ['NEW_VISITOR'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ description: 'Fields not named keep their value', type: () => SignatureSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SignatureSettingsDto)
  signature?: SignatureSettingsDto;

  /** Replaces the whole set; `{}` removes every required header. */
  @ApiPropertyOptional({
    description: 'Replaces the whole set; `{}` removes every required header',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer 2f9c8e1d7b6a' },
  })
  @IsOptional()
  @IsHeaderMap()
  requiredHeaders?: Record<string, string>;
}
