import { Type } from 'class-transformer';
import { IsArray, IsInt, IsNumber, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';

const FINITE = { allowNaN: false, allowInfinity: false };

export class InsightArcRelevantEventDto {
  /** "name of action or url of the visited page". */
  @IsString()
  name: string;
}

/**
 * InsightArc's real-time signal, as in vendor-docs/000 and 001. Only `relevant_events` is marked
 * optional there; field names are kept as sent (`perfomance` included). Unknown fields are kept.
 */
export class InsightArcSignalDto {
  /** Probability of the client dropping off at the next action. */
  @IsNumber(FINITE)
  @Min(0)
  @Max(1)
  drop_proba: number;

  /** "percentage of time spent": the sample's 1.2 leaves the scale unclear, so no range is imposed. */
  @IsNumber(FINITE)
  perfomance: number;

  @IsInt()
  @Min(0)
  num_events: number;

  @IsInt()
  @Min(0)
  num_loops: number;

  @IsInt()
  @Min(0)
  num_broken_buttons: number;

  @IsNumber(FINITE)
  @Min(0)
  avg_loops: number;

  @IsNumber(FINITE)
  @Min(0)
  avg_broken_buttons: number;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InsightArcRelevantEventDto)
  relevant_events?: InsightArcRelevantEventDto[];
}
