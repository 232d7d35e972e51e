import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

export const SUBSCRIPTION_TYPES = ['company', 'companyNews', 'people', 'companyFamilyTree'] as const;

/** `insideview` in POST /api/subscriptions: what InsideView should watch. */
export class InsideViewSettingsDto {
  @ApiProperty({ enum: SUBSCRIPTION_TYPES, example: 'company' })
  @IsIn(SUBSCRIPTION_TYPES)
  subscriptionType: (typeof SUBSCRIPTION_TYPES)[number];

  /** Company ids to watch (≤ 5000); required unless the type is `people`. */
  @ApiPropertyOptional({ description: 'Company ids to watch; required unless the type is `people`', type: [String], minItems: 1, maxItems: 5000, example: ['12345', '67890'] })
  @ValidateIf((settings: InsideViewSettingsDto) => settings.subscriptionType !== 'people' || settings.companyIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true, message: 'each company id must be letters, digits, - or _' })
  companyIds?: string[];

  /** People ids to watch (≤ 5000); required for the type `people`. */
  @ApiPropertyOptional({ description: 'People ids to watch; required for the type `people`', type: [String], minItems: 1, maxItems: 5000 })
  @ValidateIf((settings: InsideViewSettingsDto) => settings.subscriptionType === 'people' || settings.peopleIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true, message: 'each people id must be letters, digits, - or _' })
  peopleIds?: string[];

  @ApiPropertyOptional({ description: "InsideView's alert frequency", maxLength: 32, example: 'DAILY' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  frequency?: string;

  @ApiPropertyOptional({ description: "Passed to InsideView as is", maxLength: 64 })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  startTime?: string;

  @ApiPropertyOptional({ description: 'Fields InsideView should report changes of', type: [String], maxItems: 200 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  fields?: string[];
}
