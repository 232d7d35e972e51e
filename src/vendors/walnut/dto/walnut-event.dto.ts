import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** Walnut's `demo_session_finished` payload, as in vendor-docs/003. Unknown fields are kept. */
export class WalnutDemoDto {
  @IsString()
  @IsNotEmpty()
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  template_id?: string;

  @IsOptional()
  @IsString()
  template_name?: string;

  @IsOptional()
  @IsString()
  url?: string;
}

export class WalnutDemoEngagementDto {
  @IsOptional()
  @IsInt()
  @Min(0)
  fab_clicks?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  guides_completion_rate?: number;

  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  last_guide_shown?: string | null;

  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  last_section_viewed?: string | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  screen_completion_rate?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  session_duration?: number;
}

export class WalnutUserDto {
  /** "If it exists": null or absent for anonymous viewers. */
  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  email?: string | null;

  @IsOptional()
  @IsString()
  user_agent?: string;
}

export class WalnutDataDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => WalnutDemoDto)
  demo: WalnutDemoDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => WalnutDemoEngagementDto)
  demo_engagement?: WalnutDemoEngagementDto;

  @IsString()
  @IsNotEmpty()
  session_id: string;

  @IsOptional()
  @IsISO8601()
  session_started?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => WalnutUserDto)
  user?: WalnutUserDto;
}

export class WalnutEventDto {
  @IsString()
  @IsNotEmpty()
  event: string;

  @IsISO8601()
  timestamp: string;

  @IsDefined()
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => WalnutDataDto)
  data: WalnutDataDto;
}
