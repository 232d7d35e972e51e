import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

/** Walnut's `demo_session_finished` payload, as in Walnut's webhook documentation. Unknown fields are kept. */
export class WalnutDemoDto {
  @ApiProperty({ description: 'Id of the demo', example: '7a8e73ec-93ef-4f35-aadf-33c2ada9b887' })
  @IsString()
  @IsNotEmpty()
  id: string;

  @ApiPropertyOptional({ description: 'Name of the demo', example: 'My Awesome Demo' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ description: 'Id of the template', example: '473e5dd0-7447-4c84-9a09-d0cd51442c0a' })
  @IsOptional()
  @IsString()
  template_id?: string;

  @ApiPropertyOptional({ description: 'Name of the template', example: 'My Awesome template' })
  @IsOptional()
  @IsString()
  template_name?: string;

  @ApiPropertyOptional({ description: 'URL of the demo', example: 'https://app.teamwalnut.com/player/?demoId=7a8e73ec-93ef-4f35-aadf-33c2ada9b887' })
  @IsOptional()
  @IsString()
  url?: string;
}

export class WalnutDemoEngagementDto {
  @ApiPropertyOptional({ description: 'Times the Floating Action Button was clicked', type: 'integer', minimum: 0, example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  fab_clicks?: number;

  @ApiPropertyOptional({ description: 'Share of the guides completed, in %', type: 'integer', minimum: 0, maximum: 100, example: 15 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  guides_completion_rate?: number;

  @ApiPropertyOptional({ description: 'Last guide the viewer saw', type: String, nullable: true, example: null })
  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  last_guide_shown?: string | null;

  @ApiPropertyOptional({ description: 'Last section the viewer saw', type: String, nullable: true, example: null })
  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  last_section_viewed?: string | null;

  @ApiPropertyOptional({ description: 'Share of the screens completed, in %', type: 'integer', minimum: 0, maximum: 100, example: 11 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  screen_completion_rate?: number;

  @ApiPropertyOptional({ description: 'Total duration of the session', type: 'integer', minimum: 0, example: 4 })
  @IsOptional()
  @IsInt()
  @Min(0)
  session_duration?: number;
}

export class WalnutUserDto {
  /** "If it exists": null or absent for anonymous viewers. */
  @ApiPropertyOptional({ description: "The viewer's email, if known", type: String, nullable: true, example: 'someone-awesome@walnut.io' })
  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsString()
  email?: string | null;

  @ApiPropertyOptional({ description: "The viewer's browser user agent", example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)' })
  @IsOptional()
  @IsString()
  user_agent?: string;
}

export class WalnutDataDto {
  @ApiProperty({ type: () => WalnutDemoDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => WalnutDemoDto)
  demo: WalnutDemoDto;

  @ApiPropertyOptional({ type: () => WalnutDemoEngagementDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WalnutDemoEngagementDto)
  demo_engagement?: WalnutDemoEngagementDto;

  @ApiProperty({ description: 'Unique id of the demo session', example: 'eb8af248-a970-46fa-bfb0-cb675b6780e1' })
  @IsString()
  @IsNotEmpty()
  session_id: string;

  @ApiPropertyOptional({ description: 'When the session started', format: 'date-time', example: '2023-11-01T16:36:47.905000Z' })
  @IsOptional()
  @IsISO8601()
  session_started?: string;

  @ApiPropertyOptional({ type: () => WalnutUserDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WalnutUserDto)
  user?: WalnutUserDto;
}

export class WalnutEventDto {
  @ApiProperty({ description: 'Name of the event: the stored event type', example: 'demo_session_finished' })
  @IsString()
  @IsNotEmpty()
  event: string;

  @ApiProperty({ description: 'When it happened: the stored occurredAt', format: 'date-time', example: '2023-11-01T19:15:20.666248Z' })
  @IsISO8601()
  timestamp: string;

  @ApiProperty({ type: () => WalnutDataDto })
  @IsDefined()
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => WalnutDataDto)
  data: WalnutDataDto;
}
