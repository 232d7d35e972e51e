import { applyDecorators } from '@nestjs/common';
import { IsString, MaxLength, MinLength, ValidateBy } from 'class-validator';

/** `<InsightArc webhook secret>`: a documentation placeholder pasted as it stands, never a vendor's secret. */
const PLACEHOLDER = /^\s*<[^<>]*>\s*$/;

export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && PLACEHOLDER.test(value);
}

/**
 * A subscription secret as given through the API (create, rotate): 8 to 500 characters, and not a
 * template placeholder, which would be stored and then fail every delivery's signature without a word.
 */
export function IsSubscriptionSecret(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MinLength(8),
    MaxLength(500),
    ValidateBy({
      name: 'isNotPlaceholder',
      validator: {
        validate: (value) => !isPlaceholder(value),
        defaultMessage: () => '$property looks like a placeholder (<…>), not a secret: give the secret itself, as the vendor shows it',
      },
    }),
  );
}
