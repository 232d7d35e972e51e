import { registerDecorator, isISO8601, type ValidationOptions } from 'class-validator';
import { headerMapProblem } from '../../subscriptions/dto/header-map.validator';

/** Why a destination URL can never be called, or null: http(s) only, no credentials, at most 2000 characters. */
export function destinationUrlProblem(property: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${property} must be a string`;
  if (value.length > 2000) return `${property} must be at most 2000 characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${property} must be an absolute http or https URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${property} must be an http or https URL, not ${url.protocol.slice(0, -1)}`;
  if (url.username !== '' || url.password !== '') return `${property} must not carry credentials (user:password@): put a token in headers instead`;
  if (url.hash !== '') return `${property} must not have a #fragment: it is never sent`;
  return null;
}

export function IsDestinationUrl(options?: ValidationOptions): PropertyDecorator {
  return custom('isDestinationUrl', destinationUrlProblem, options);
}

/**
 * Headers the gateway sets itself or that only the connection may carry: a static header of that
 * name would break the signature, the framing or the connection.
 */
const RESERVED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'expect',
]);

/** Why a static header map cannot be sent with every attempt, or null. */
export function destinationHeadersProblem(property: string, value: unknown): string | null {
  const problem = headerMapProblem(property, value);
  if (problem) return problem;
  for (const name of Object.keys(value as object)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) return `${property} must not set ${name}: the gateway or the connection sets it`;
    if (lower.startsWith('webhook-') || lower.startsWith('x-gateway-')) return `${property} must not set ${name}: the gateway sets webhook-* and x-gateway-* on every attempt`;
  }
  return null;
}

export function IsDestinationHeaders(options?: ValidationOptions): PropertyDecorator {
  return custom('isDestinationHeaders', destinationHeadersProblem, options);
}

/** `now`, `beginning` or an ISO-8601 instant. */
export function startFromProblem(property: string, value: unknown): string | null {
  if (value === 'now' || value === 'beginning') return null;
  if (typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value))) return null;
  return `${property} must be "now", "beginning" or an ISO-8601 time such as 2024-01-01T00:00:00Z`;
}

export function IsStartFrom(options?: ValidationOptions): PropertyDecorator {
  return custom('isStartFrom', startFromProblem, options);
}

function custom(name: string, problem: (property: string, value: unknown) => string | null, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: (args) => problem(args.property, args.value) ?? `${args.property} is not valid`, ...options },
      validator: { validate: (value: unknown, args) => problem(args?.property ?? '', value) === null },
    });
}
