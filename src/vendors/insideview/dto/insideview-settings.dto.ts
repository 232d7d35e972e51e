import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

export const SUBSCRIPTION_TYPES = ['company', 'companyNews', 'people', 'companyFamilyTree'] as const;

/** `insideview` in POST /api/subscriptions: what InsideView should watch. */
export class InsideViewSettingsDto {
  @IsIn(SUBSCRIPTION_TYPES)
  subscriptionType: (typeof SUBSCRIPTION_TYPES)[number];

  /** Company ids to watch (≤ 5000); required unless the type is `people`. */
  @ValidateIf((settings: InsideViewSettingsDto) => settings.subscriptionType !== 'people' || settings.companyIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true, message: 'each company id must be letters, digits, - or _' })
  companyIds?: string[];

  /** People ids to watch (≤ 5000); required for the type `people`. */
  @ValidateIf((settings: InsideViewSettingsDto) => settings.subscriptionType === 'people' || settings.peopleIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true, message: 'each people id must be letters, digits, - or _' })
  peopleIds?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(32)
  frequency?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  startTime?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  fields?: string[];
}
