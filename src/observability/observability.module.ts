import { Global, Module } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { createHttpLogger, type HttpLoggerPair } from './http-logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Injection token of the app's { logger, middleware } pair from createHttpLogger. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    MetricsService,
    // pino-http is mounted by createApp ahead of the body parser (so a 413 is logged too).
    { provide: HTTP_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createHttpLogger(config) },
    // Nest's own log calls go to the same pino logger. nestjs-pino's LoggerModule is not used: its
    // middleware binds each request's logger with AsyncLocalStorage, which on Node 20 hooks every
    // promise of the process (a tenth of a webhook's CPU in the benchmark). So Nest log calls made
    // while serving a request do not carry it; the error filter, which logs about the request it
    // answers, writes through requestLogger(request) to keep the request's id.
    {
      provide: Logger,
      inject: [HTTP_LOGGER],
      useFactory: (http: HttpLoggerPair) => new Logger(new PinoLogger({ pinoHttp: { logger: http.logger }, useExisting: true }), {}),
    },
  ],
  exports: [MetricsService, HTTP_LOGGER, Logger],
})
export class ObservabilityModule {}
