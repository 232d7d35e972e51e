import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { METHODS } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '../../src/common/error-code';
import { InsideViewErrorCode } from '../../src/vendors/insideview/insideview-error-code';
import { VendorRegistry } from '../../src/subscriptions/vendor-registry';
import { REPO_ROOT } from '../support/paths';
import { startTestApp, type TestApp } from '../support/test-app';

interface Operation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }>; headers?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { enum?: unknown[]; properties?: Record<string, { enum?: unknown[] }> }>; securitySchemes: Record<string, unknown> };
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ERROR_BODY = '#/components/schemas/ErrorBody';
const WEBHOOK_ERRORS = ['400', '401', '404', '410', '413', '415', '503'];

/**
 * The routes the running app serves, as `METHOD /path/{param}`, read from Express's router: what
 * Nest mounted from the controllers, and anything mounted on Express directly. Left out: the docs'
 * own routes, and Nest's middleware bindings (registered for every method on a wildcard; they pass
 * requests on and answer none).
 */
function servedRoutes(app: TestApp): string[] {
  const router = (app.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router;
  return router.stack.flatMap(({ route }) => {
    if (!route) return [];
    if (route.path === '/docs' || route.path.startsWith('/docs/') || route.path.startsWith('/docs-')) return [];
    const methods = Object.keys(route.methods).filter((method) => route.methods[method]);
    if (METHODS.every((method) => methods.includes(method.toLowerCase()))) return [];
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    return methods.map((method) => `${method.toUpperCase()} ${path}`);
  });
}

function operations(document: OpenApiDocument): Array<{ key: string; path: string; method: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => OPERATION_METHODS.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
}

describe('OpenAPI document', () => {
  let app: TestApp;
  let document: OpenApiDocument;

  before(async () => {
    app = await startTestApp();
    const response = await app.http().get('/docs-json');
    assert.equal(response.status, 200, 'the document is served without a token');
    assert.match(response.headers['content-type'], /^application\/json/);
    document = response.body as OpenApiDocument;
  });
  after(async () => app?.close());

  it('documents every route the app serves, and no route it does not', () => {
    const served = servedRoutes(app).sort();
    const documented = operations(document).map((operation) => operation.key).sort();
    assert.deepEqual(
      served.filter((route) => !documented.includes(route)),
      [],
      'served but not documented',
    );
    assert.deepEqual(
      documented.filter((route) => !served.includes(route)),
      [],
      'documented but not served',
    );
    assert.deepEqual(documented, served);
  });

  it('serves Swagger UI at /docs without a token', async () => {
    const response = await app.http().get('/docs');
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'], /^text\/html/);
    assert.match(response.text, /swagger-ui/i);
    const init = await app.http().get('/docs/swagger-ui-init.js');
    assert.equal(init.status, 200, 'the UI loads the document it shows');
  });

  it('names the service, its version and its two bearer schemes', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.match(document.openapi, /^3\./);
    assert.equal(document.info.version, version);
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['bearer', 'metrics']);
  });

  it('declares the auth of each route as the guards enforce it', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const { key, path, method, operation } of operations(document)) {
      if (path.startsWith('/api/')) {
        assert.deepEqual(operation.security, [{ bearer: [] }], `${key}: the API token`);
      } else if (path === '/metrics') {
        assert.deepEqual(operation.security, [{ metrics: [] }, {}], `${key}: METRICS_TOKEN when set, else none`);
      } else {
        assert.ok(!operation.security || operation.security.length === 0, `${key}: no token`);
      }
      // Without a token, exactly the routes that declare the API token refuse for want of it.
      const response = await app.http()[method as 'get'](path.replace(/\{\w+\}/g, id));
      const refused = response.status === 401 && (method === 'head' || response.body.code === ErrorCode.Unauthorized);
      assert.equal(refused, path.startsWith('/api/'), `${key} answered ${response.status} without a token`);
    }
  });

  it("shows each vendor's documented sample and signature header on its webhook", () => {
    // Each vendor's documented sample, and the header its signature comes in, as its definition gives them.
    const registry = app.app.get(VendorRegistry) as VendorRegistry;
    const VENDORS = Object.fromEntries(registry.definitions().map(({ name, docs, signature }) => [name, { sample: docs.example, signatureHeader: signature.header, required: signature.required ?? true, echoed: docs.echoedHeader?.name }]));
    assert.deepEqual(Object.keys(VENDORS).sort(), registry.names(), 'every vendor is covered here');
    for (const [vendor, { sample, signatureHeader, required, echoed }] of Object.entries(VENDORS)) {
      const path = `/webhooks/${vendor}/{subscriptionId}`;
      const post = document.paths[path]?.post;
      assert.ok(post, `${path} is documented`);
      const body = post.requestBody?.content['application/json'];
      assert.ok(body?.schema?.$ref, `${vendor}: the body has a schema`);
      assert.ok(document.components.schemas[body.schema.$ref.split('/').pop()!], `${vendor}: the body schema exists`);
      assert.deepEqual(body.examples?.documented?.value, sample, `${vendor}: the example is the vendor's documented sample`);
      const header = post.parameters?.find((parameter) => parameter.in === 'header' && parameter.name === signatureHeader);
      assert.ok(header, `${vendor}: ${signatureHeader} is a documented header`);
      assert.equal(header.required, required, `${vendor}: whether the header is required (not where the subscription may rename it)`);
      assert.deepEqual(Object.keys(post.responses).sort(), ['200', ...WEBHOOK_ERRORS].sort(), `${vendor}: the webhook answers`);
      const head = document.paths[path].head;
      assert.ok(head, `${vendor}: HEAD is documented`);
      if (echoed) {
        assert.ok(head.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === echoed));
        assert.ok(head.responses['200'].headers?.[echoed], 'the echo is a documented response header');
      }
    }
    assert.ok(Object.values(VENDORS).some(({ echoed }) => echoed), 'a vendor that echoes a header is covered');
  });

  it('gives every error answer the shared error body, with code as the ErrorCode enum', () => {
    for (const { key, method, operation } of operations(document)) {
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      assert.ok(errors.length > 0 || key.startsWith('GET /health/live'), `${key} documents its errors`);
      for (const [status, response] of errors) {
        if (method === 'head') {
          assert.equal(response.content, undefined, `${key} ${status}: a HEAD answer has no body`);
        } else {
          assert.equal(response.content?.['application/json']?.schema?.$ref, ERROR_BODY, `${key} ${status}`);
        }
      }
    }
    const errorBody = document.components.schemas.ErrorBody as { properties: Record<string, { allOf?: Array<{ $ref: string }> }>; required: string[] };
    assert.deepEqual(errorBody.required.sort(), ['code', 'error', 'message', 'statusCode']);
    assert.ok(errorBody.properties.details, 'details is documented (optional)');
    assert.equal(errorBody.properties.code.allOf?.[0].$ref, '#/components/schemas/ErrorCode');
    assert.deepEqual(document.components.schemas.ErrorCode.enum, [...Object.values(ErrorCode), ...Object.values(InsideViewErrorCode)]);
  });

  it('lists the management errors: 400/401/404 where they can happen, 429 everywhere, 502/503 where InsideView is called', () => {
    for (const { key, path, operation } of operations(document).filter(({ path }) => path.startsWith('/api/'))) {
      const statuses = Object.keys(operation.responses);
      assert.ok(statuses.includes('401') && statuses.includes('429'), `${key}: 401 and 429`);
      if (path.includes('{id}')) assert.ok(statuses.includes('404'), `${key}: 404`);
      if (operation.requestBody || operation.parameters?.some((parameter) => parameter.in === 'query')) assert.ok(statuses.includes('400'), `${key}: 400`);
    }
    for (const key of ['POST /api/subscriptions', 'DELETE /api/subscriptions/{id}', 'POST /api/subscriptions/{id}/sync']) {
      const [method, path] = key.split(' ');
      const statuses = Object.keys(document.paths[path][method.toLowerCase()].responses);
      assert.ok(statuses.includes('502') && statuses.includes('503'), `${key}: 502 and 503`);
    }
  });

  it('documents the vendors the app serves, and nothing it cannot resolve', () => {
    const vendor = document.components.schemas.CreateSubscriptionDto.properties!.vendor;
    assert.deepEqual([...(vendor.enum ?? [])].sort(), (app.app.get(VendorRegistry) as VendorRegistry).names());
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    assert.deepEqual(refs.filter((name) => !document.components.schemas[name]), [], 'every $ref resolves');
  });
});
