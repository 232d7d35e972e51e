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
 * The visitor-tracking platform's NEW_VISIT / NEW_VISITOR payload, as in vendor-docs/002. The sample
 * marks nothing optional; the identities and the date are required (they are the dedupe key and
 * occurred-at), the descriptive parts may be absent or null (an anonymous visitor has no company).
 * Numbers and booleans are strings in the sample ("hardwareConcurrency": "6") and typed as sent.
 * Unknown fields are kept.
 */

export class VisitorCompanyDto {
  @IsOptional()
  @IsString()
  name?: string | null;

  @IsOptional()
  @IsString()
  domain?: string | null;
}

export class VisitorDto {
  @IsString()
  @IsNotEmpty()
  id: string;

  @IsOptional()
  @IsISO8601()
  firstSeen?: string | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitorCompanyDto)
  company?: VisitorCompanyDto | null;
}

export class VisitLocationDto {
  @IsOptional()
  @IsString()
  country?: string | null;

  @IsOptional()
  @IsString()
  city?: string | null;

  @IsOptional()
  @IsString()
  state?: string | null;
}

export class VisitTrafficSourceDto {
  @IsOptional()
  @IsString()
  channel?: string | null;

  @IsOptional()
  @IsString()
  source?: string | null;

  @IsOptional()
  @IsString()
  campaign?: string | null;
}

export class VisitDeviceDto {
  @IsOptional()
  @IsString()
  model?: string | null;

  @IsOptional()
  @IsString()
  os?: string | null;

  @IsOptional()
  @IsString()
  gpu?: string | null;

  @IsOptional()
  @IsNumberString()
  hardwareConcurrency?: string | null;
}

export class VisitBrowserDto {
  @IsOptional()
  @IsString()
  name?: string | null;

  @IsOptional()
  @IsString()
  version?: string | null;

  @IsOptional()
  @IsString()
  vendor?: string | null;
}

export class VisitScreenDto {
  @IsOptional()
  @IsNumberString()
  height?: string | null;

  @IsOptional()
  @IsNumberString()
  width?: string | null;

  @IsOptional()
  @IsBooleanString()
  touch?: string | null;
}

export class VisitorTrackingEventDto {
  /** The visit's id. */
  @IsString()
  @IsNotEmpty()
  id: string;

  @IsString()
  url: string;

  /** Query parameters of the entry URL (utm_*). */
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown> | null;

  @IsOptional()
  @IsString()
  referrer?: string | null;

  @IsISO8601()
  date: string;

  @IsOptional()
  @IsString()
  ip?: string | null;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => VisitorDto)
  visitor: VisitorDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitLocationDto)
  location?: VisitLocationDto | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitTrafficSourceDto)
  trafficSource?: VisitTrafficSourceDto | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitDeviceDto)
  device?: VisitDeviceDto | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitBrowserDto)
  browser?: VisitBrowserDto | null;

  @IsOptional()
  @IsString()
  timezone?: string | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => VisitScreenDto)
  screen?: VisitScreenDto | null;
}
