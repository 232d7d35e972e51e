import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsNumber, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';

const FINITE = { allowNaN: false, allowInfinity: false };

export class InsightArcRelevantEventDto {
  /** "name of action or url of the visited page". */
  @ApiProperty({ description: 'Name of the action or URL of the visited page', example: 'https://example.com/checkout' })
  @IsString()
  name: string;
}

/**
 * InsightArc's real-time signal, as in its webhook documentation. Only `relevant_events` is marked
 * optional there; field names are kept as sent (`perfomance` included). Unknown fields are kept.
 */
export class InsightArcSignalDto {
  /** Probability of the client dropping off at the next action. */
  @ApiProperty({ description: 'Probability of the client dropping off at the next action', minimum: 0, maximum: 1, example: 0.95 })
  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  drop_proba: number;

  /** "percentage of time spent": the sample's 1.2 leaves the scale unclear, so no range is imposed. */
  @ApiProperty({ description: 'Percentage of time spent (spelled as InsightArc sends it)', example: 1.2 })
  @IsNumber(FINITE)
  perfomance: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 10 })
  @IsInt()
  @Min(0)
  num_events: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 2 })
  @IsInt()
  @Min(0)
  num_loops: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
  @IsInt()
  @Min(0)
  num_broken_buttons: number;

  @ApiProperty({ minimum: 0, example: 2.3 })
  @IsNumber(FINITE)
  @Min(0)
  avg_loops: number;

  @ApiProperty({ minimum: 0, example: 1 })
  @IsNumber(FINITE)
  @Min(0)
  avg_broken_buttons: number;

  @ApiPropertyOptional({ type: () => [InsightArcRelevantEventDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InsightArcRelevantEventDto)
  relevant_events?: InsightArcRelevantEventDto[];
}
