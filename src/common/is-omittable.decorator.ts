import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * The field may be left out, but when it is given it must pass its rules: unlike class-validator's
 * `@IsOptional()`, a `null` is checked (and so refused), since it would reach a NOT NULL column or
 * erase a setting. Use `@IsOptional()` only where null has a meaning (clearing a nullable field).
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
