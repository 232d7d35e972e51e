import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';

/** Builds the application exactly as production runs it; tests use the same function. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    rawBody: true,
    logger: config.logLevels,
    abortOnError: false,
  });
  // rawBody only survives with Nest's own parser, so the limit is set here, not with app.use(json()).
  app.useBodyParser('json', { limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] });
  app.disable('x-powered-by');
  app.enableShutdownHooks();
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
