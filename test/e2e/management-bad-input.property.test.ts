import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeInsideView } from '../fakes/fake-insideview';
import { freePort } from '../support/gateway-process';
import { sendRaw, type RawResponse } from '../support/raw-http';
import { appRoutes, type AppRoute } from '../support/routes';
import { walnutSignature } from '../support/signing';
import { createSubscription, type CreatedSubscription } from '../support/subscriptions';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../support/test-app';

/**
 * The management API's edge, as a property: whatever a token holder puts in a query, a path or a
 * body (NUL, lone surrogates, huge numbers, nulls, wrong types, arrays, nested objects), the answer
 * is never 5xx while the database is up, and always the one error body. Every route is taken from
 * Nest's own routing table, and its fields from the OpenAPI document, so a new route or field is
 * covered without touching this file.
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  allOf?: Schema[];
}

/** One management route, with what the OpenAPI document says it reads. */
interface RouteSpec extends AppRoute {
  query: Record<string, Schema>;
  /** The body's object schema, when the route reads one. */
  body?: Schema;
}

/** Values that have broken, or could break, something between the edge and PostgreSQL. */
const NASTY_STRINGS = [
  '\u0000',
  'walnut\u0000',
  '\ud800',
  'a\udfffb',
  '\udc00\ud800',
  '',
  ' ',
  'null',
  '1e300',
  '-1',
  '0x10',
  '1.5',
  'NaN',
  '9223372036854775807',
  '9223372036854775808',
  '99999999999999999999999999',
  '2020-02-30T00:00:00Z',
  '10000-01-01T00:00:00Z',
  'x'.repeat(5000),
  'é漢字😀',
  "'; SELECT pg_sleep(10); --",
];
const NASTY_NUMBERS = [0, -1, 1.5, 1e300, -1e300, 2 ** 53, 9223372036854775807, 2 ** 64, 5e-324];
/** Strings no PostgreSQL text column can hold, or that UTF-8 cannot carry. */
const UNSTORABLE = ['\u0000', 'walnut\u0000', '\ud800', 'a\udfffb'];

/** Percent-encodes any JS string, lone surrogates as the three bytes UTF-8 would use for them (as a hostile client would send). */
function encode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

describe('Management API bad input, generated (fast-check)', () => {
  let fake: FakeInsideView;
  let app: TestApp;
  let routes: RouteSpec[];
  /** Ids that exist, for the routes that change nothing irreversibly: subscriptions', then the destination's. */
  let existing: string[];
  let subscriptionIds: string[];
  let destinationId: string;
  let eventId: string;
  let deliveryId: string;
  /** Per route, how many of the random requests it answered 2xx: that they reached the services. */
  const succeeded = new Map<string, number>();
  /** What no answer may ever show: a subscription secret, a static header value. */
  const secrets = ['static-header-value'];

  before(async () => {
    fake = await FakeInsideView.start();
    const port = await freePort();
    app = await startTestApp({
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      API_RATE_LIMIT: '1000000',
      INSIDEVIEW_API_URL: fake.apiUrl,
      INSIDEVIEW_TOKEN_URL: fake.tokenUrl,
      INSIDEVIEW_CLIENT_ID: fake.clientId,
      INSIDEVIEW_CLIENT_SECRET: fake.clientSecret,
      INSIDEVIEW_TIMEOUT_MS: '1000',
      INSIDEVIEW_MAX_RETRIES: '0',
    });
    const walnut = await createSubscription(app, { vendor: 'walnut' });
    const fixtures: CreatedSubscription[] = [
      walnut,
      await createSubscription(app, { vendor: 'visitor-tracking', eventTypes: ['NEW_VISIT'] }),
      await createSubscription(app, { vendor: 'insightarc', secret: 'insightarc-secret-123' }),
      await createSubscription(app, { vendor: 'insideview', insideview: { subscriptionType: 'company', companyIds: ['1001'] } }),
    ];
    subscriptionIds = fixtures.map((subscription) => subscription.id);
    existing = [...subscriptionIds];
    secrets.push(walnut.secret!, 'insightarc-secret-123');
    const raw = JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-01-01T00:00:00Z', data: {} });
    const delivered = await sendRaw(app.baseUrl, 'POST', `/webhooks/walnut/${walnut.id}`, {
      headers: { 'Content-Type': 'application/json', 'X-Walnut-Signature': walnutSignature(walnut.secret!, raw) },
      body: raw,
    });
    assert.equal(delivered.status, 200, delivered.text);
    eventId = String(delivered.body.eventId);
    // A destination (on a port nothing listens on, so a test ping fails fast) with a delivery of that
    // event: the destination and delivery routes then reach their services, not only their 404.
    const destination = await app.api('post', '/api/destinations', { name: 'property', url: `http://127.0.0.1:${await freePort()}/hook`, startFrom: 'beginning', filter: { statuses: ['accepted', 'quarantined'] }, headers: { 'X-Token': 'static-header-value' } });
    assert.equal(destination.status, 201, destination.text);
    destinationId = destination.body.id;
    existing.push(destinationId);
    const replayed = await app.api('post', `/api/destinations/${destination.body.id}/replay`, {});
    assert.equal(replayed.body.count, 1, replayed.text);
    const [delivery] = (await app.api('get', `/api/deliveries?destinationId=${destination.body.id}`)).body.data;
    deliveryId = String(delivery.id);
    routes = describeRoutes(app, (await app.http().get('/docs-json')).body);
    assert.ok(routes.length >= 15, `found the management routes (${routes.length})`);
    assert.ok(routes.some((route) => route.body) && routes.some((route) => Object.keys(route.query).length > 0), 'found their bodies and queries');
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });

  /** Routes from Nest's routing table; their query parameters and body fields from the OpenAPI document. */
  function describeRoutes(testApp: TestApp, doc: { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema: Schema }>; requestBody?: { content: Record<string, { schema: Schema }> } }>>; components: { schemas: Record<string, Schema> } }): RouteSpec[] {
    const resolve = (schema: Schema): Schema => {
      if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]);
      if (schema.allOf?.length === 1) return resolve(schema.allOf[0]);
      const properties = schema.properties && Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, resolve(property)]));
      return { ...schema, ...(properties && { properties }), ...(schema.items && { items: resolve(schema.items) }) };
    };
    return appRoutes(testApp.app)
      .filter((route) => route.path.startsWith('/api/'))
      .map((route) => {
        const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
        assert.ok(operation, `${route.method} ${route.path} is in the OpenAPI document`);
        const query = Object.fromEntries((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, resolve(p.schema)]));
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        return { ...route, query, ...(bodySchema && { body: resolve(bodySchema) }) };
      });
  }

  // ---- generators -------------------------------------------------------------------------

  const unit = fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, fc.constantFrom('\u0000', '\ud800', '\udfff', '\r', '\n', '%'));
  const nastyString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit, maxLength: 40 }));
  const nastyNumber = fc.oneof(fc.constantFrom(...NASTY_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
  const nastyScalar = fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null));
  const { nastyValue } = fc.letrec<{ nastyValue: unknown }>((tie) => ({
    nastyValue: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      nastyScalar,
      fc.array(tie('nastyValue'), { maxLength: 3 }),
      fc.dictionary(nastyString, tie('nastyValue'), { maxKeys: 3 }),
    ),
  }));

  /** Values the schema would accept (so that a request reaches the service and the database), or none. */
  function plausibleFor(schema: Schema, depth = 0): Array<fc.Arbitrary<unknown>> {
    const plausible: Array<fc.Arbitrary<unknown>> = [];
    if (schema.enum?.length) plausible.push(fc.constantFrom(...schema.enum));
    if (schema.format === 'uri') plausible.push(fc.constant(`${app.baseUrl}/webhooks/walnut/${existing[0]}`));
    else if (schema.format === 'uuid') plausible.push(fc.constantFrom(...existing));
    else if (schema.example !== undefined) plausible.push(fc.constant(schema.example));
    if (schema.type === 'integer') plausible.push(fc.integer({ min: 0, max: 100 }));
    if (schema.properties && depth < 2) plausible.push(objectFor(schema, depth + 1));
    if (schema.type === 'array' && schema.items) {
      const items = plausibleFor(schema.items, depth + 1);
      if (items.length > 0) plausible.push(fc.array(fc.oneof(...items), { maxLength: 3 }));
    }
    return plausible;
  }

  /** A value the schema would accept, or a hostile one. */
  function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof(...plausibleFor(schema, depth), nastyValue);
  }

  /**
   * Mostly acceptable fields (each required one, some optional ones), now and then one or two
   * hostile ones, or a field the DTO does not have: enough pass to reach the services and the database.
   */
  function objectFor(schema: Schema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
    const names = Object.keys(schema.properties ?? {});
    const fields = acceptableObject(schema, depth);
    const hostile = names.length > 0 ? fc.dictionary(fc.constantFrom(...names), nastyValue, { minKeys: 1, maxKeys: 2 }) : fc.constant({});
    const unknown = fc.dictionary(nastyString, nastyValue, { minKeys: 1, maxKeys: 1 });
    return fc
      .tuple(fields, fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, hostile, unknown))
      .map(([valid, bad]) => Object.assign(Object.create(null) as Record<string, unknown>, valid, bad));
  }

  /** Each required field and some optional ones, every value one the schema accepts. */
  function acceptableObject(schema: Schema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
    const acceptable = Object.entries(schema.properties ?? {})
      .map(([name, property]) => [name, plausibleFor(property, depth)] as const)
      .filter(([, plausible]) => plausible.length > 0)
      .map(([name, plausible]) => {
        const value = fc.oneof(...plausible);
        return [name, schema.required?.includes(name) ? value : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, value)] as const;
      });
    return fc.record(Object.fromEntries(acceptable)).map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));
  }

  /** The ids that exist of the resource a route's path names (none for the routes that would destroy a fixture). */
  function idsFor(route: RouteSpec): string[] {
    // Deleting or test-sending a fixture would change what the other runs see; those get ids that do not exist.
    if (route.method === 'DELETE' || route.path.endsWith('/test-event')) return [];
    const byKind: Record<string, string[]> = { subscriptions: subscriptionIds, destinations: [destinationId], deliveries: [deliveryId], events: [eventId] };
    return byKind[route.path.split('/')[2]] ?? [];
  }

  function queryFor(route: RouteSpec): fc.Arbitrary<string> {
    const known = Object.entries(route.query).map(([name, schema]) =>
      fc.tuple(fc.constant(name), fc.oneof(valueFor(schema).map(asText), nastyString), fc.constantFrom('', '', '', '[]', '[x]')),
    );
    const pair = fc.oneof(...known, fc.tuple(nastyString, nastyString, fc.constant('')));
    return fc
      .array(pair, { maxLength: 4 })
      .map((pairs) => pairs.map(([name, value, suffix]) => `${encode(String(name))}${suffix}=${encode(String(value))}`).join('&'));
  }

  /** Mostly an id that exists, of the kind the route names, so that the request reaches its service; else any id. */
  function pathFor(route: RouteSpec): fc.Arbitrary<string> {
    const own = idsFor(route);
    const elsewhere = idsFor(route).length || route.method === 'DELETE' || route.path.endsWith('/test-event') ? [] : [...existing, eventId, deliveryId];
    const other = fc.oneof(fc.constantFrom(...elsewhere, '00000000-0000-4000-8000-000000000000', '1', '0'), fc.uuid(), nastyString.filter((s) => s.length > 0));
    const id = own.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...own) }, other) : other;
    return id.map((value) => route.path.replace(/\{\w+\}/g, encode(value)));
  }

  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/merge-patch+json') },
    { weight: 2, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined) },
  );

  function bodyFor(route: RouteSpec): fc.Arbitrary<string | undefined> {
    const objects = route.body ? objectFor(route.body) : fc.dictionary(nastyString, nastyValue, { maxKeys: 3 });
    return fc.oneof(
      { weight: 6, arbitrary: objects.map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: nastyValue.map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, '', '{', '{"name":"\\ud800"}', '{"name":"a\\u0000"}', '{"__proto__":{"x":1}}') },
    );
  }

  const request = fc
    .nat()
    .chain((index) => {
      const route = routes[index % routes.length];
      return fc.record({ route: fc.constant(route), path: pathFor(route), query: queryFor(route), body: bodyFor(route), type: contentType });
    });

  async function send(method: string, path: string, body: string | undefined, type: string | undefined): Promise<RawResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${TEST_API_TOKEN}` };
    if (type && body !== undefined) headers['Content-Type'] = type;
    return sendRaw(app.baseUrl, method, path, { headers, body: method === 'GET' ? undefined : body });
  }

  function assertAnswer(response: RawResponse, what: string): void {
    assert.ok(response.status < 500, `${what}: ${response.status} ${response.text}`);
    for (const secret of secrets) assert.ok(!response.text.includes(secret), `${what}: no secret in the answer: ${response.text}`);
    if (response.status >= 400) {
      assert.equal(response.body?.statusCode, response.status, `${what}: the one error body: ${response.text}`);
      assert.equal(typeof response.body.code, 'string', `${what}: a stable code: ${response.text}`);
    }
  }

  // ---- properties -------------------------------------------------------------------------

  it('answers every field of every route, set to each hostile value, without a 5xx; unstorable strings are a 400 naming the field', async () => {
    const hostile: unknown[] = [...NASTY_STRINGS, ...NASTY_NUMBERS, null, true, [], ['\u0000'], {}, { a: '\u0000' }, [[[]]]];
    for (const route of routes) {
      const own = idsFor(route);
      const concrete = own.length > 0 ? route.path.replace(/\{\w+\}/g, own[0]) : fc.sample(pathFor(route), { numRuns: 1, seed: 1 })[0];
      // Each hostile field goes with acceptable values for the others, so a required field missing is not what refuses it.
      const base = route.body ? fc.sample(acceptableObject(route.body), { numRuns: 1, seed: 1 })[0] : {};
      for (const [name, schema] of Object.entries(route.query)) {
        for (const value of hostile.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')) {
          const response = await send(route.method, `${concrete}?${encode(name)}=${encode(String(value))}`, undefined, undefined);
          assertAnswer(response, `${route.method} ${route.path}?${name}=${JSON.stringify(value)} (${schema.type})`);
          // A lone surrogate cannot be percent-encoded as UTF-8; its bytes arrive as U+FFFD, which is harmless.
          if (String(value).includes('\u0000')) assertNamesField(response, name, `${route.method} ${route.path}?${name}=${JSON.stringify(value)}`);
        }
      }
      for (const [name, schema] of Object.entries(route.body?.properties ?? {})) {
        const nested = Object.keys(schema.properties ?? {}).map((child) => [`${name}.${child}`, (v: unknown) => ({ [name]: { [child]: v } })] as const);
        for (const [field, wrap] of [[name, (v: unknown) => ({ [name]: v })] as const, ...nested]) {
          for (const value of hostile) {
            const response = await send(route.method, concrete, JSON.stringify({ ...base, ...wrap(value) }), 'application/json');
            assertAnswer(response, `${route.method} ${route.path} {${field}: ${JSON.stringify(value)}}`);
            if (UNSTORABLE.includes(value as string)) assertNamesField(response, field, `${route.method} ${route.path} {${field}: ${JSON.stringify(value)}}`);
          }
        }
      }
      for (const value of hostile.filter((v): v is string => typeof v === 'string')) {
        if (!route.path.includes('{')) continue;
        const response = await send(route.method, route.path.replace(/\{\w+\}/g, encode(value)), route.body ? '{}' : undefined, 'application/json');
        assertAnswer(response, `${route.method} ${route.path} with the path ${JSON.stringify(value)}`);
        if (value.includes('\u0000')) assertNamesField(response, route.path.match(/\{(\w+)\}/)![1], `${route.method} ${route.path} with the path ${JSON.stringify(value)}`);
      }
    }
  });

  it('never answers 5xx to random queries, paths and bodies on any route, with the database up', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ route, path, query, body, type }) => {
        const response = await send(route.method, query ? `${path}?${query}` : path, body, type);
        assertAnswer(response, `${route.method} ${path}?${query} ${type} ${body?.slice(0, 300)}`);
        const key = `${route.method} ${route.path}`;
        succeeded.set(key, (succeeded.get(key) ?? 0) + (response.status < 300 ? 1 : 0));
      }),
      { numRuns: RUNS * 2 },
    );
    // The requests reached the services, not only the edge: most routes on an existing resource
    // changed or showed it at least once (about 17 of 20 do in a run; each run draws anew).
    const reachable = routes.filter((route) => idsFor(route).length > 0).map((route) => `${route.method} ${route.path}`);
    const reached = reachable.filter((key) => (succeeded.get(key) ?? 0) > 0);
    assert.ok(reached.length >= reachable.length / 2, `routes answered 2xx at least once: ${reached.length} of ${reachable.length} (${reached.join(', ')})`);
  });
});

/** A query value from any JSON value (objects as their JSON text, as a confused client might send them). */
function asText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function assertNamesField(response: RawResponse, field: string, what: string): void {
  assert.equal(response.status, 400, `${what}: ${response.text}`);
  assert.equal(response.body.code, 'VALIDATION_FAILED', `${what}: ${response.text}`);
  assert.ok(String(response.body.message).includes(field), `${what}: the message names ${field}: ${response.text}`);
}
