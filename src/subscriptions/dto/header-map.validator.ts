import { registerDecorator, type ValidationOptions } from 'class-validator';

/** RFC 9110 field-name characters. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An object whose keys are valid header names and whose values are non-empty strings. */
export function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must map header names to non-empty string values, at most 20 headers',
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= 20 &&
            entries.every(
              ([name, headerValue]) =>
                HEADER_NAME.test(name) && typeof headerValue === 'string' && headerValue.length > 0 && headerValue.length <= 1000,
            )
          );
        },
      },
    });
}
