import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBooleanString,
  IsDefined,
  IsISO8601,
  IsNotEmpty,
  IsNumberString,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';

/*
 * The visitor-tracking platform's NEW_VISIT / NEW_VISITOR payload, as in its webhook guide. The sample
 * marks nothing optional; the identities and the date are required (they are the dedupe key and
 * occurred-at), the descriptive parts may be absent or null (an anonymous visitor has no company).
 * Numbers and booleans are strings in the sample ("hardwareConcurrency": "6") and typed as sent.
 * Unknown fields are kept.
 */

export class VisitorCompanyDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Example Corp' })
  @IsOptional()
  @IsString()
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'example.com' })
  @IsOptional()
  @IsString()
  domain?: string | null;
}

export class VisitorDto {
  @ApiProperty({ description: "The visitor's id: what NEW_VISITOR events dedupe on", example: 'unique_visitor_id' })
  @IsString()
  @IsNotEmpty()
  id: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2023-01-01T12:00:00Z' })
  @IsOptional()
  @IsISO8601()
  firstSeen?: string | null;

  @ApiPropertyOptional({ type: () => VisitorCompanyDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitorCompanyDto)
  company?: VisitorCompanyDto | null;
}

export class VisitLocationDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'United States' })
  @IsOptional()
  @IsString()
  country?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'San Francisco' })
  @IsOptional()
  @IsString()
  city?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'California' })
  @IsOptional()
  @IsString()
  state?: string | null;
}

export class VisitTrafficSourceDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Organic Search' })
  @IsOptional()
  @IsString()
  channel?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Google' })
  @IsOptional()
  @IsString()
  source?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Holiday Campaign' })
  @IsOptional()
  @IsString()
  campaign?: string | null;
}

export class VisitDeviceDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'iPhone 14' })
  @IsOptional()
  @IsString()
  model?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'iOS 17' })
  @IsOptional()
  @IsString()
  os?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Apple GPU' })
  @IsOptional()
  @IsString()
  gpu?: string | null;

  @ApiPropertyOptional({ description: 'A number, sent as a string', type: String, nullable: true, example: '6' })
  @IsOptional()
  @IsNumberString()
  hardwareConcurrency?: string | null;
}

export class VisitBrowserDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Safari' })
  @IsOptional()
  @IsString()
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '17.0' })
  @IsOptional()
  @IsString()
  version?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Apple' })
  @IsOptional()
  @IsString()
  vendor?: string | null;
}

export class VisitScreenDto {
  @ApiPropertyOptional({ description: 'A number, sent as a string', type: String, nullable: true, example: '2532' })
  @IsOptional()
  @IsNumberString()
  height?: string | null;

  @ApiPropertyOptional({ description: 'A number, sent as a string', type: String, nullable: true, example: '1170' })
  @IsOptional()
  @IsNumberString()
  width?: string | null;

  @ApiPropertyOptional({ description: '`true` or `false`, sent as a string', type: String, nullable: true, example: 'true' })
  @IsOptional()
  @IsBooleanString()
  touch?: string | null;
}

export class VisitorTrackingEventDto {
  /** The visit's id. */
  @ApiProperty({ description: "The visit's id: what NEW_VISIT events dedupe on", example: 'unique_visit_id' })
  @IsString()
  @IsNotEmpty()
  id: string;

  @ApiProperty({ description: 'Entry URL of the visit', example: 'https://example.com/entry-point' })
  @IsString()
  url: string;

  /** Query parameters of the entry URL (utm_*). */
  @ApiPropertyOptional({ description: 'Query parameters of the entry URL (utm_*)', type: 'object', additionalProperties: true, nullable: true, example: { utm_source: 'newsletter' } })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://google.com' })
  @IsOptional()
  @IsString()
  referrer?: string | null;

  @ApiProperty({ description: 'When the visit happened: the stored occurredAt', format: 'date-time', example: '2024-12-22T14:30:00Z' })
  @IsISO8601()
  date: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '192.168.1.1' })
  @IsOptional()
  @IsString()
  ip?: string | null;

  @ApiProperty({ type: () => VisitorDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => VisitorDto)
  visitor: VisitorDto;

  @ApiPropertyOptional({ type: () => VisitLocationDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitLocationDto)
  location?: VisitLocationDto | null;

  @ApiPropertyOptional({ type: () => VisitTrafficSourceDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitTrafficSourceDto)
  trafficSource?: VisitTrafficSourceDto | null;

  @ApiPropertyOptional({ type: () => VisitDeviceDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitDeviceDto)
  device?: VisitDeviceDto | null;

  @ApiPropertyOptional({ type: () => VisitBrowserDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitBrowserDto)
  browser?: VisitBrowserDto | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'America/Los_Angeles' })
  @IsOptional()
  @IsString()
  timezone?: string | null;

  @ApiPropertyOptional({ type: () => VisitScreenDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitScreenDto)
  screen?: VisitScreenDto | null;
}
