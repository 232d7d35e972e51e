import { registerDecorator, type ValidationOptions } from 'class-validator';

/** RFC 9110 field-name characters. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * A header value a sender can put on the wire and this server reads back unchanged: printable ASCII
 * and tabs, no line breaks, nothing non-ASCII (Node reads header bytes as Latin-1, so UTF-8 text
 * would never compare equal), no space or tab at either end (parsers strip them).
 */
const HEADER_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;
export const MAX_REQUIRED_HEADERS = 20;

/** Why a header map can never be matched by a delivery, or null when it can. */
export function headerMapProblem(property: string, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${property} must be an object mapping header names to values`;
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_REQUIRED_HEADERS) return `${property} must have at most ${MAX_REQUIRED_HEADERS} headers`;
  const seen = new Set<string>();
  for (const [name, headerValue] of entries) {
    if (!HEADER_NAME.test(name)) return `${property} must use valid HTTP header names (letters, digits and !#$%&'*+.^_\`|~-)`;
    if (seen.has(name.toLowerCase())) return `${property} names ${name} twice: header names are case-insensitive, so one of the values could never match`;
    seen.add(name.toLowerCase());
    if (typeof headerValue !== 'string' || headerValue.length === 0 || headerValue.length > 1000) {
      return `${property}.${name} must be a non-empty string of at most 1000 characters`;
    }
    if (!HEADER_VALUE.test(headerValue)) {
      return `${property}.${name} must be printable ASCII with no line breaks and no space at either end: no delivery could carry this value as it is`;
    }
  }
  return null;
}

/** An object whose keys are valid header names and whose values a delivery could carry exactly. */
export function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args) => headerMapProblem(args.property, args.value) ?? `${args.property} is not valid`,
        ...options,
      },
      validator: {
        validate: (value: unknown, args) => headerMapProblem(args?.property ?? '', value) === null,
      },
    });
}
