import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { InsideViewSettingsDto } from '../../vendors/insideview/dto/insideview-settings.dto';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { IsHeaderMap } from './header-map.validator';
import { SignatureSettingsDto } from './signature-settings.dto';

/** Settings every vendor's subscriptions have (requiredHeaders: the shared guard checks them for every vendor). */
export const COMMON_SETTINGS = ['vendor', 'name', 'description', 'secret', 'callbackUrl', 'requiredHeaders'] as const;

/** Settings only some vendors use; each vendor's definition lists the ones it uses (VendorDefinition.settings). */
export type VendorSetting = Exclude<keyof CreateSubscriptionDto, (typeof COMMON_SETTINGS)[number]>;

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateSubscriptionDto {
  @ApiProperty({ description: 'Which vendor will call: the route segment of its webhooks', enum: ['walnut', 'insightarc', 'visitor-tracking', 'insideview'], example: 'walnut' })
  @IsString()
  @IsNotEmpty()
  vendor: string;

  @ApiProperty({ maxLength: 200, example: 'Demo sessions' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000, example: "Walnut's demo_session_finished events for the sales team", nullable: true })
  // The one setting null is meaningful for: PATCH with null clears it.
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** The vendor's key, when the vendor issues it; generated when omitted for vendors that allow that. */
  @ApiPropertyOptional({
    description: "The vendor's key, when the vendor issues it (InsightArc: required before deliveries are accepted). Omitted: generated, and shown once in the answer (not for InsightArc)",
    minLength: 8,
    maxLength: 500,
    example: 'whsec_0123456789abcdef',
  })
  @IsOmittable()
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  secret?: string;

  /** The URL exactly as it will be registered at the vendor; defaults to PUBLIC_BASE_URL/webhooks/{vendor}/{id}. */
  @ApiPropertyOptional({
    description: 'The URL exactly as it will be registered at the vendor (InsightArc signs over it); default PUBLIC_BASE_URL/webhooks/{vendor}/{id}',
    format: 'uri',
    maxLength: 2000,
    example: 'https://hooks.example.com/gateway/webhooks/insightarc/3f0c6f5e-8f7a-4a5e-9a57-2b1c3d4e5f60',
  })
  @IsOmittable()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  callbackUrl?: string;

  @ApiPropertyOptional({
    description: 'Visitor-tracking: exactly one of `NEW_VISIT`, `NEW_VISITOR`, as chosen for the webhook at the vendor',
    type: [String],
    maxItems: 20,
    example: ['NEW_VISIT'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ description: 'Visitor-tracking: which header carries the signature and how', type: () => SignatureSettingsDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SignatureSettingsDto)
  signature?: SignatureSettingsDto;

  @ApiPropertyOptional({
    description: 'Visitor-tracking: custom headers every delivery must carry with exactly these values (at most 20; not the signature header)',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer 2f9c8e1d7b6a' },
  })
  @IsOmittable()
  @IsHeaderMap()
  requiredHeaders?: Record<string, string>;

  /** Vendor-specific settings (InsideView: subscriptionType, ids, frequency, fields). */
  @ApiPropertyOptional({ description: 'InsideView (required there): what InsideView should watch', type: () => InsideViewSettingsDto })
  @IsOmittable()
  @IsObject()
  insideview?: Record<string, unknown>;
}
