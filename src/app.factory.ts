import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
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
  app.useLogger(app.get(Logger));
  app.use(app.get(WebhookObserver).use.bind(app.get(WebhookObserver)));
  app.use(app.get<{ middleware: RequestHandler }>(HTTP_LOGGER).middleware);
  // rawBody only survives with Nest's own parser, so the limit is set here, not with app.use(json()).
  app.useBodyParser('json', { limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] });
  app.disable('x-powered-by');
  // Slow clients must not hold connections: bound the time to send headers and the whole request.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return app;
}

/** Creates the app and listens on the configured host and port. */
export async function startApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  return app;
}
