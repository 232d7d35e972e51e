import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { registerDecorator } from 'class-validator';
import { IsOmittable } from './is-omittable.decorator';

/** The largest offset taken: the largest integer a JS number holds exactly, well inside PostgreSQL's bigint. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/**
 * An integer query parameter from `min` to `max`, written in decimal digits: `1e300`, `0x10`, `1.5`
 * or `9223372036854775808` are refused with one message, never turned into a number PostgreSQL
 * cannot take.
 */
export function IsQueryInteger(min: number, max: number): PropertyDecorator {
  return (target, propertyName) => {
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value))(target, propertyName);
    registerDecorator({
      name: 'isQueryInteger',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [min, max],
      options: { message: `$property must be a whole number from ${min} to ${max}` },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max,
      },
    });
  };
}

/** `limit` of a list query: how many items a page holds. */
export class LimitQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOmittable()
  @IsQueryInteger(1, 500)
  limit?: number;
}

/** `limit` and `offset` of a list query paged by position. */
export class PageQuery extends LimitQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOmittable()
  @IsQueryInteger(0, MAX_OFFSET)
  offset?: number;
}
