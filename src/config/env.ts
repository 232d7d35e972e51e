import { plainToInstance, Transform, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, ValidateBy, validateSync } from 'class-validator';

/** Environment variables as the process (or a test) gives them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

/**
 * Reads the variables an env class declares (one property per variable, named as the variable, its
 * initialiser the default): each value trimmed, a blank one unset; class-validator checks the text as
 * written (so a message can quote it), then the class's transforms convert it. Throws ConfigError
 * naming the first variable, in declaration order, that breaks its rule.
 */
export function readEnv<T extends object>(schema: ClassConstructor<T>, env: Env): T {
  const declared = new Set(getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false).map((rule) => rule.propertyName));
  const given: Record<string, string> = {};
  for (const name of declared) {
    const value = env[name]?.trim();
    if (value) given[name] = value;
  }
  // Not constructed, so an unset variable is missing (skipped) rather than its default.
  const written = Object.assign(Object.create(schema.prototype) as object, given);
  const [error] = validateSync(written, { skipMissingProperties: true, stopAtFirstError: true, forbidUnknownValues: false });
  if (error) throw new ConfigError(error.property, Object.values(error.constraints ?? {})[0] ?? 'is not valid');
  return plainToInstance(schema, given);
}

/**
 * A variable checked by `problem` (what is wrong with the text, undefined when nothing is) and, once
 * it passes, converted by `convert`: for rules class-validator has no decorator for.
 */
export function EnvVariable(problem: (text: string) => string | undefined, convert?: (text: string) => unknown): PropertyDecorator {
  return (target, property) => {
    ValidateBy({
      name: 'envVariable',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && problem(value) === undefined,
        defaultMessage: (args) => problem(String(args?.value)) ?? 'is not valid',
      },
    })(target, property);
    if (convert) Transform(({ value }: { value: string }) => convert(value))(target, property);
  };
}

/** A whole number from `min` to `max`. */
export function WholeNumber(min: number, max: number): PropertyDecorator {
  return EnvVariable((text) => (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? undefined : `must be a whole number from ${min} to ${max}, got "${text}"`), Number);
}

export const KB = 1024;
export const MB = 1024 * KB;
const UNITS: Record<string, number> = { b: 1, kb: KB, mb: MB };
const MAX_SIZE = 64 * MB;

/** `512kb`, `1mb` or `100` (bytes) in bytes; undefined when the text is no size. */
function bytesOf(text: string): number | undefined {
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(text);
  return match ? Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()] : undefined;
}

/** A size in bytes written as `512kb`, `1mb` or `100` (bytes), from `min` bytes to 64mb. */
export function ByteSize(min: number): PropertyDecorator {
  return EnvVariable((text) => {
    const bytes = bytesOf(text);
    return bytes !== undefined && bytes >= min && bytes <= MAX_SIZE
      ? undefined
      : `must be a size from ${min === 1 ? '1b' : `${min / KB}kb`} to 64mb such as 512kb or 1mb, got "${text}"`;
  }, bytesOf);
}

/** An absolute http(s) URL without query or fragment; a trailing slash is dropped. */
export function HttpUrl(): PropertyDecorator {
  return EnvVariable(
    (text) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return `must be an absolute http(s) URL, got "${text}"`;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, got "${text}"`;
      return url.search || url.hash ? 'must not carry a query string or fragment' : undefined;
    },
    (text) => text.replace(/\/+$/, ''),
  );
}
