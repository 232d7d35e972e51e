import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppModule } from './app.module';
import { mountConsole } from './console/console-assets';
import { documentErrorCodes, documentHookErrors } from './common/api-error.decorator';
import { refuseOversizedBodies } from './common/body-limit.middleware';
import { NestPinoLogger } from './observability/nest-pino-logger';
import { HTTP_LOGGER } from './observability/observability.module';
import type { AppConfig } from './config/app-config';
import { WebhookOutcomeMiddleware } from './webhooks/webhook-outcome.middleware';
import { VendorRegistry } from './subscriptions/vendor-registry';
import type { VendorDefinition, VendorModule } from './vendors/vendor-definition';

export interface AppOptions {
  /** The vendors served; default the gateway's list (VENDORS). */
  vendors?: readonly VendorModule[];
}

/** Builds the application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, options.vendors), {
    rawBody: true,
    // Parsers are mounted below, after the request logger, so even a body refused by the parser
    // (413, malformed JSON) is logged and counted.
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(NestPinoLogger));
  // First, so it sees the answer to every webhook delivery, also one the parser refuses.
  const webhookOutcomes = app.get(WebhookOutcomeMiddleware);
  app.use(webhookOutcomes.use.bind(webhookOutcomes));
  app.use(app.get<{ middleware: RequestHandler }>(HTTP_LOGGER).middleware);
  app.use(refuseOversizedBodies(config.bodyLimitBytes));
  // rawBody only survives with Nest's own parser, so the limit is set here, not with app.use(json()).
  // Not strict: a scalar (`42`, `null`) is JSON too, so a signed one is quarantined like an array,
  // not refused as malformed.
  app.useBodyParser('json', { limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'], strict: false });
  app.disable('x-powered-by');
  // No ETag: Express would hash every answer (SHA-1) for conditional GETs that no client of a
  // webhook route or of the cursor feed makes; the benchmark measured it at ~2% of a webhook's CPU.
  app.set('etag', false);
  // Slow clients must not hold connections: bound the time to send headers and the whole request.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = Math.max(config.requestTimeoutMs, config.headersTimeoutMs);
  // Node enforces those two only when it checks its connections (every 30 s unless told otherwise).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(5_000, Math.ceil(config.headersTimeoutMs / 2));
  server.keepAliveTimeout = 5_000;
  setUpApiDocs(app);
  mountConsole(app);
  // The root has nothing of its own: a person who opens the gateway's address wants the console.
  // Mounted like the console, not as a route: it is a browser's way in, not part of the API (/docs).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) res.redirect(302, '/console/');
    else next();
  });
  return app;
}

/**
 * OpenAPI from the controllers' and DTOs' decorators: Swagger UI at /docs, the document at /docs-json.
 * Both are plain Express routes, outside Nest's guards, so they need no token.
 */
function setUpApiDocs(app: NestExpressApplication): void {
  // The compiled file is dist/src/app.factory.js; package.json is at the project's root.
  const { version, description } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string; description: string };
  const config = new DocumentBuilder()
    .setTitle('Inbound webhook gateway')
    .setDescription(
      `${description}.\n\n` +
        "Webhook routes (`/webhooks/{vendor}/{subscriptionId}`) are authenticated by the vendor's signature, never by a token. " +
        'The management API (`/api`) needs `Authorization: Bearer <API token>` (`API_TOKENS`, or the one generated into `DATA_DIR/api-token`). ' +
        'Every error, on every route, has the body `ErrorBody`; branch on its `code`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'An API token: API_TOKENS, or the one generated into DATA_DIR/api-token' }, 'bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'METRICS_TOKEN, when it is set' }, 'metrics')
    .addTag('webhooks', "Where vendors deliver: one POST and one HEAD route per vendor, each behind the vendor's signature check")
    .addTag('subscriptions', 'One per webhook registered at a vendor')
    .addTag('events', 'The stored deliveries, as a feed')
    .addTag('health', 'Probes: liveness, and readiness (the database answers)')
    .addTag('metrics', 'Prometheus scrape endpoint')
    .build();
  // Built on the first request for /docs or /docs-json, then kept: a start that nobody reads the docs
  // of does not pay for walking every controller and DTO (a few hundred ms and ~13 MB, measured).
  const buildDocument = (): OpenAPIObject => {
    // Tags are only those the decorators give (webhook routes are tagged per route, not by controller).
    const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
    const vendors = app.get(VendorRegistry).definitions();
    documentErrorCodes(document, vendors.flatMap((vendor) => Object.values(vendor.errorCodes ?? {})));
    documentHookErrors(document, vendors.flatMap((vendor) => vendor.hookErrors ?? []));
    documentVendors(document, vendors);
    return document;
  };
  SwaggerModule.setup('docs', app, buildDocument, { jsonDocumentUrl: 'docs-json' });
}

/** The routes whose `vendor` (body field or query) takes the name of one of the app's vendors. */
const VENDOR_FIELDS = { schemas: ['CreateSubscriptionDto'], queries: ['/api/subscriptions', '/api/events'] };

/** What /docs says that depends on the app's vendors: the `vendor` enums, and each vendor's own tags. */
function documentVendors(document: OpenAPIObject, vendors: VendorDefinition[]): void {
  const names = vendors.map((vendor) => vendor.name);
  for (const schema of VENDOR_FIELDS.schemas) {
    const vendor = (document.components?.schemas?.[schema] as { properties?: Record<string, { enum?: string[]; example?: string }> } | undefined)?.properties?.vendor;
    if (vendor) Object.assign(vendor, { enum: names, example: names[0] });
  }
  for (const path of VENDOR_FIELDS.queries) {
    const parameter = document.paths[path]?.get?.parameters?.find((candidate) => 'in' in candidate && candidate.in === 'query' && candidate.name === 'vendor');
    if (parameter && 'schema' in parameter) parameter.schema = { ...parameter.schema, enum: names };
  }
  for (const tag of vendors.flatMap((vendor) => vendor.docs.tags ?? [])) (document.tags ??= []).push(tag);
}

/** Creates the app and listens on the configured host and port. */
export async function startApp(config: AppConfig, options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await createApp(config, options);
  await app.listen(config.port, config.host);
  return app;
}
