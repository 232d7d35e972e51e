import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';

/** How much of each failed field is told: every rule it broke, or one message a field (see problemOf). */
export type ProblemDetail = 'every-rule' | 'one-per-field';

/**
 * Validates a plain object as `dto` with class-validator and returns what failed as readable lines,
 * nested fields named by their path under `parent` (`data.demo.id must be a string`). The one
 * class-validator run of the gateway: the management API's pipe, vendor payloads, vendor settings.
 */
export async function validateAs(
  dto: ClassConstructor<object>,
  plain: object,
  options: ValidatorOptions & { detail: ProblemDetail; parent?: string },
): Promise<string[]> {
  const { detail, parent, ...validatorOptions } = options;
  const errors = await validate(plainToInstance(dto, plain), validatorOptions);
  return validationProblems(errors, parent, detail);
}

/**
 * class-validator's errors as lines, nested fields named by their path (`signature.header`). With
 * `one-per-field` (the management API): `is required` for one left out, `must not be null` for a
 * null; when the value has the wrong type, only that (a string for an integer also fails Min and
 * Max, which says nothing); otherwise every rule it broke. With `every-rule`: every rule broken.
 */
export function validationProblems(errors: ValidationError[], parent = '', detail: ProblemDetail = 'one-per-field'): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    const own = constraints.length === 0 ? [] : detail === 'every-rule' ? constraints.map(([, message]) => renamed(message, error.property, path)) : problemOf(error, path, constraints);
    return [...own, ...validationProblems(error.children ?? [], path, detail)];
  });
}

function problemOf(error: ValidationError, path: string, constraints: Array<[string, string]>): string[] {
  const { value, property } = error;
  // JSON has no undefined: a field that fails while undefined is a required one left out.
  if (value === undefined) return [`${path} is required`];
  if (value === null) return [`${path} must not be null`];
  const typeCheck = constraints.find(([name]) => TYPE_CHECKS.has(name));
  if (typeCheck) {
    const message = renamed(typeCheck[1], property, path);
    // `each value in x must be…` is about the items; the value's own kind would mislead.
    return [message.startsWith('each value in ') ? message : `${message}, not ${kindOf(value)}`];
  }
  // Rules that only a string (or only an array) can pass, all broken by a value of another kind: say that once.
  const expected = KIND_OF_RULES.find(([, rules]) => constraints.every(([name]) => rules.has(name)))?.[0];
  if (expected && expected !== kindOf(value)) return [`${path} must be ${expected}, not ${kindOf(value)}`];
  // class-validator lists the rules last-declared first; the declaration order reads better.
  return constraints.reverse().map(([, message]) => renamed(message, property, path));
}

/** class-validator rules that fail for any value but a string, or but an array. */
const KIND_OF_RULES: Array<[string, Set<string>]> = [
  ['a string', new Set(['isUrl', 'maxLength', 'minLength', 'matches', 'isUuid', 'isIso8601'])],
  ['an array', new Set(['arrayMaxSize', 'arrayMinSize', 'arrayNotEmpty'])],
];

/** class-validator's constraints that check the type of a value rather than its content. */
const TYPE_CHECKS = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'nestedValidation']);

/** class-validator names the property alone (`x must…`, `each value in x…`, `property x should not exist`); a nested one is named by its whole path. */
function renamed(message: string, property: string, path: string): string {
  if (path === property) return message;
  const lead = ['', 'each value in ', 'property '].find((prefix) => message.startsWith(`${prefix}${property} `));
  return lead === undefined ? message : `${lead}${path}${message.slice(lead.length + property.length)}`;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : type === 'undefined' ? 'nothing' : `a ${type}`;
}

