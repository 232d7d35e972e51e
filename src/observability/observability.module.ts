import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { createHttpLogger, type HttpLoggerPair } from './http-logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { NestPinoLogger } from './nest-pino-logger';

/** Injection token of the app's { logger, middleware } pair from createHttpLogger. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    MetricsService,
    // pino-http is mounted by createApp ahead of the body parser (so a 413 is logged too).
    { provide: HTTP_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createHttpLogger(config) },
    // Nest's own log calls go to the same pino logger. No request is bound to them (binding each
    // request's logger with AsyncLocalStorage hooks every promise of the process on Node 20: a tenth
    // of a webhook's CPU in the benchmark); the error filter, which logs about the request it
    // answers, writes through requestLogger(request) to keep the request's id.
    { provide: NestPinoLogger, inject: [HTTP_LOGGER], useFactory: (http: HttpLoggerPair) => new NestPinoLogger(http.logger) },
  ],
  exports: [MetricsService, HTTP_LOGGER, NestPinoLogger],
})
export class ObservabilityModule {}
