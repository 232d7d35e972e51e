import { applyDecorators } from '@nestjs/common';
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
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator';
import { IsSubscriptionSecret } from './secret.validator';
import { ownSettingsOf, type VendorDefinition } from '../../vendors/vendor-definition';
import { IsHeaderMap } from './header-map.validator';
import { SignatureSettingsDto } from './signature-settings.dto';

/** Settings every vendor's subscriptions have (requiredHeaders: the shared guard checks them for every vendor). */
export const COMMON_SETTINGS = ['vendor', 'name', 'description', 'secret', 'callbackUrl', 'requiredHeaders'] as const;

/** Settings only some vendors use; each vendor's definition lists the ones it uses (VendorDefinition.settings). */
export type VendorSetting = Exclude<keyof CreateSubscriptionDto, (typeof COMMON_SETTINGS)[number]>;

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateSubscriptionDto {
  // Its enum in /docs is the app's vendor list (see documentVendors).
  @ApiProperty({ description: 'Which vendor will call: the route segment of its webhooks' })
  @IsString()
  @IsNotEmpty()
  vendor: string;

  @ApiProperty({ maxLength: 200, example: 'Demo sessions' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000, example: 'Demo session events for the sales team', nullable: true })
  // The one setting null is meaningful for: PATCH with null clears it.
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** The vendor's key, when the vendor issues it; generated when omitted for vendors that allow that. */
  @ApiPropertyOptional({
    description: "The vendor's key, when the vendor issues it (then required before deliveries are accepted). Omitted: generated, and shown once in the answer (not for vendors that issue their own)",
    minLength: 8,
    maxLength: 500,
    example: 'whsec_0123456789abcdef',
  })
  @IsOmittable()
  @IsSubscriptionSecret()
  secret?: string;

  /** The URL exactly as it will be registered at the vendor; defaults to PUBLIC_BASE_URL/webhooks/{vendor}/{id}. */
  @ApiPropertyOptional({
    description: 'The URL exactly as it will be registered at the vendor (some vendors sign over it); default PUBLIC_BASE_URL/webhooks/{vendor}/{id}',
    format: 'uri',
    maxLength: 2000,
    example: 'https://hooks.example.com/gateway/webhooks/acme/3f0c6f5e-8f7a-4a5e-9a57-2b1c3d4e5f60',
  })
  @IsOmittable()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  callbackUrl?: string;

  @ApiPropertyOptional({
    description: 'For vendors whose webhook is created for chosen event types: those types, as chosen for the webhook at the vendor',
    type: [String],
    maxItems: 20,
    example: ['order.created'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ description: 'For vendors where the customer chooses: which header carries the signature and how', type: () => SignatureSettingsDto })
  @IsOmittable()
  @ValidateNested()
  @Type(() => SignatureSettingsDto)
  signature?: SignatureSettingsDto;

  @ApiPropertyOptional({
    description: 'Custom headers every delivery must carry with exactly these values (at most 20; not the signature header)',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer 2f9c8e1d7b6a' },
  })
  @IsOmittable()
  @IsHeaderMap()
  requiredHeaders?: Record<string, string>;
}

const ACCEPTED_OWN_SETTINGS = new Set<string>();

/**
 * Lets the body carry each vendor's own settings object under its key (VendorDefinition.settings),
 * documented with the vendor's DTO: the management API forbids undeclared properties, so the key is
 * declared on the DTO, once, when the app's vendors are known. Only its being an object is checked
 * here; the vendor's hooks validate the contents.
 */
export function acceptOwnSettings(definitions: readonly VendorDefinition[]): void {
  for (const definition of definitions) {
    const own = ownSettingsOf(definition);
    if (!own || ACCEPTED_OWN_SETTINGS.has(own.name)) continue;
    ACCEPTED_OWN_SETTINGS.add(own.name);
    applyDecorators(ApiPropertyOptional({ description: own.description, type: () => own.dto }), IsOmittable(), IsObject())(CreateSubscriptionDto.prototype, own.name);
  }
}
