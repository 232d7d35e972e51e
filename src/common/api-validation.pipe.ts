import { type ArgumentMetadata, HttpStatus, Injectable, ValidationPipe } from '@nestjs/common';
import { AppException } from './app.exception';
import { ErrorCode } from './error-code';
import { kindOf, validationProblems } from './validation-problems';

/** Deeper than any management body needs; a deeper one is refused before anything walks it recursively. */
export const MAX_BODY_DEPTH = 32;
/** At most this many problems are listed in one answer. */
const MAX_PROBLEMS = 20;

/**
 * The management API's edge: every body, query and path parameter a handler declares passes here.
 * Before the DTO's own rules, three that hold for every field: no string may carry what PostgreSQL
 * text cannot store or UTF-8 cannot carry (NUL, unpaired surrogates), a body is a JSON object of
 * bounded depth, and no key at any depth is `__proto__`, `constructor` or `prototype` (class-transformer
 * drops those without a word, so the whitelist never sees them: they are refused here as any other
 * unknown key is). Then class-validator, with one message per field: the type when the type is wrong
 * (not a list of range checks that cannot apply), `must not be null` for a null.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => validationFailed(validationProblems(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return super.transform(value, metadata);
    if (metadata.type === 'body' && value !== undefined && !isPlainObject(value) && isDto(metadata)) {
      throw validationFailed([`The body must be a JSON object, not ${kindOf(value)}`]);
    }
    const problems = edgeProblems(value, metadata.data ?? '', metadata.type === 'body' ? 'the body' : `the ${metadata.type}`);
    if (problems.length > 0) throw validationFailed(problems);
    return super.transform(value, metadata);
  }
}

export function validationFailed(problems: string[]): AppException {
  const listed = problems.slice(0, MAX_PROBLEMS);
  return new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, listed.join('; '), listed);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDto(metadata: ArgumentMetadata): boolean {
  return typeof metadata.metatype === 'function' && ![String, Number, Boolean, Object, Array].includes(metadata.metatype as never);
}

/** Keys that name an object's own machinery: JSON.parse keeps them, class-transformer silently drops them. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Paths of strings (values and keys, at any depth) that no text column can hold: NUL, which
 * PostgreSQL refuses in text, and unpaired UTF-16 surrogates, which have no UTF-8 form (the driver
 * would silently store U+FFFD instead); and keys in PROTOTYPE_KEYS, worded as the whitelist words an
 * unknown key. Walked without recursion; deeper than MAX_BODY_DEPTH is a problem of its own.
 */
function edgeProblems(root: unknown, rootPath: string, rootName: string): string[] {
  const problems: string[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: rootPath, depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) problems.push(`${path || rootName} must not contain ${problem}`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      problems.push(`${path || rootName} is nested deeper than ${MAX_BODY_DEPTH} levels`);
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const problem = unstorable(key);
      // The key itself is not echoed: it is what cannot be shown safely.
      if (problem) problems.push(`${path || rootName} has a key that contains ${problem}`);
      else if (PROTOTYPE_KEYS.has(key)) problems.push(`property ${path ? `${path}.${key}` : key} should not exist`);
      else stack.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return problems;
}

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL can store, made from any: NULs dropped, lone surrogates replaced, at most `max` characters. */
export function storableText(text: string, max: number): string {
  return text
    .slice(0, max)
    .replace(new RegExp(NUL.source, 'g'), '')
    .replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');
}

function unstorable(value: string): string | null {
  if (NUL.test(value)) return 'the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(value)) return 'an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}
