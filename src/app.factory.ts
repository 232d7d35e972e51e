import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { RequestHandler } from 'express';
import { AppModule } from './app.module';
import { refuseOversizedBodies } from './common/body-limit.middleware';
import { NestPinoLogger } from './observability/nest-pino-logger';
import { HTTP_LOGGER } from './observability/observability.module';
import { WebhookObserver } from './observability/webhook-observer';
import type { AppConfig } from './config/app-config';

/** Builds the application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    rawBody: true,
    // Parsers are mounted below, after the request logger, so even a body refused by the parser
    // (413, malformed JSON) is logged and counted.
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(NestPinoLogger));
  app.use(app.get(WebhookObserver).use.bind(app.get(WebhookObserver)));
  app.use(app.get<{ middleware: RequestHandler }>(HTTP_LOGGER).middleware);
  app.use(refuseOversizedBodies(config.bodyLimitBytes));
  // rawBody only survives with Nest's own parser, so the limit is set here, not with app.use(json()).
  app.useBodyParser('json', { limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] });
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
    .addTag('insideview alerts', 'InsideView alerts and the fetch of their details')
    .addTag('health', 'Probes: liveness, and readiness (the database answers)')
    .addTag('metrics', 'Prometheus scrape endpoint')
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json' });
}

/** Creates the app and listens on the configured host and port. */
export async function startApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  return app;
}
