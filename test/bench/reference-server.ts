/**
 * The reference the gateway is measured against: the same work with nothing but node:http and pg.
 * Per delivery it reads the raw body, checks the signature with the vendor's
 * own scheme (the code the gateway's guard runs, constant-time compares), JSON.parses,
 * validates against the vendor's documented shape (the same DTO classes and rules as the gateway,
 * so the validation work is identical), and writes the event with one INSERT … ON CONFLICT DO
 * NOTHING into the same webhook_events table, answering only after it committed (autocommit, so
 * the INSERT's completion is its commit; synchronous_commit is the server's, on). A repeat is found
 * with a SELECT, as it must be to answer its event id.
 *
 * Subscriptions (with their plaintext secrets) are handed over at start and kept in memory: the
 * reference does not look them up per request (the gateway must, to honour disable and secret
 * rotation at once on every instance).
 *
 * Environment: DATABASE_URL, PORT, HOST, BENCH_SUBSCRIPTIONS (JSON array of the benchmark's
 * subscriptions), NO_DB=1 (verify + validate only, answer without storing).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { Pool } from 'pg';
import { STORED_HEADERS } from '../../src/events/event-ingest.service';
import type { Subscription } from '../../src/subscriptions/subscription.entity';
import { definitionsOf, type VendorDefinition } from '../../src/vendors/vendor-definition';
import { VENDORS as VENDOR_MODULES } from '../../src/vendors/vendors';

const VENDORS: Record<string, VendorDefinition> = Object.fromEntries(definitionsOf(VENDOR_MODULES).map((vendor) => [vendor.name, vendor]));
const BODY_LIMIT = 1024 * 1024;
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const ROUTE = /^\/webhooks\/([^/?]+)\/([^/?]+)$/;

const noDb = process.env.NO_DB === '1';
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
/** A subscription with its secret list made once, as the gateway's guard is handed it. */
interface ReferenceSubscription {
  subscription: Subscription;
  secrets: string[];
}
const subscriptions = new Map<string, ReferenceSubscription>();
let fakeId = 0;

/** The vendor's own scheme, as the gateway's guards verify (both InsightArc variants included). */
function verified(entry: ReferenceSubscription, request: IncomingMessage, raw: Buffer, payload: unknown): boolean {
  return VENDORS[entry.subscription.vendor].signature.verify({ headers: request.headers, rawBody: raw, body: payload }, entry.secrets, entry.subscription) === 'valid';
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    return [...Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, path)), ...flatten(error.children ?? [], path)];
  });
}

async function validationErrors(vendor: VendorDefinition, payload: unknown): Promise<string[]> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return ['the body must be a JSON object'];
  const errors = await validate(plainToInstance(vendor.dto, payload), { forbidUnknownValues: false, validationError: { target: false, value: false } });
  return flatten(errors);
}

function answer(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function store(subscription: Subscription, vendor: VendorDefinition, request: IncomingMessage, raw: Buffer, payload: unknown): Promise<object> {
  const errors = await validationErrors(vendor, payload);
  const dedupeKey = vendor.dedupeKey?.(payload, subscription) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const status = errors.length > 0 ? 'quarantined' : 'accepted';
  if (noDb) return { received: true, eventId: String(++fakeId), duplicate: false, quarantined: errors.length > 0 };
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const inserted = await pool.query(
    `INSERT INTO webhook_events
       (subscription_id, vendor, event_type, dedupe_key, status, validation_errors, occurred_at, headers, payload, raw_body, is_test, created_xid)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, false, pg_current_xact_id()::text::bigint)
     ON CONFLICT (subscription_id, dedupe_key) DO NOTHING
     RETURNING id`,
    [
      subscription.id,
      vendor.name,
      vendor.eventType(payload, subscription),
      dedupeKey,
      status,
      errors.length > 0 ? JSON.stringify(errors) : null,
      vendor.occurredAt(payload),
      JSON.stringify(headers),
      raw.toString('utf8'),
      raw,
    ],
  );
  if (inserted.rows.length > 0) return { received: true, eventId: String(inserted.rows[0].id), duplicate: false, quarantined: errors.length > 0 };
  const existing = await pool.query('SELECT id, status FROM webhook_events WHERE subscription_id = $1 AND dedupe_key = $2', [subscription.id, dedupeKey]);
  return { received: true, eventId: String(existing.rows[0].id), duplicate: true, quarantined: existing.rows[0].status === 'quarantined' };
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const route = request.method === 'POST' ? ROUTE.exec(request.url ?? '') : null;
  const entry = route ? subscriptions.get(route[2]) : undefined;
  if (!route || !entry || entry.subscription.vendor !== route[1]) return answer(response, 404, { statusCode: 404, message: 'Not found' });
  if (!JSON_TYPE.test(request.headers['content-type'] ?? '')) return answer(response, 415, { statusCode: 415, message: 'Not JSON' });
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_LIMIT) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > BODY_LIMIT) return answer(response, 413, { statusCode: 413, message: 'Too large' });
    const raw = Buffer.concat(chunks);
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(response, 400, { statusCode: 400, message: 'Malformed JSON' });
    }
    if (!verified(entry, request, raw, payload)) return answer(response, 401, { statusCode: 401, message: 'The signature does not match' });
    store(entry.subscription, VENDORS[entry.subscription.vendor], request, raw, payload).then(
      (receipt) => answer(response, 200, receipt),
      (error: Error) => answer(response, 503, { statusCode: 503, message: error.message }),
    );
  });
}

async function main(): Promise<void> {
  const given = JSON.parse(process.env.BENCH_SUBSCRIPTIONS ?? '[]') as Array<Partial<Subscription>>;
  for (const row of given) {
    const subscription = { signature: {}, requiredHeaders: {}, ...row } as Subscription;
    subscriptions.set(row.id!, { subscription, secrets: subscription.secret ? [subscription.secret] : [] });
  }
  const server = createServer(handle);
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1', () => {
    process.stdout.write(`reference listening on ${process.env.PORT}\n`);
  });
  const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
