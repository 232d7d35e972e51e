import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { createHttpLogger } from './http-logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { WebhookObserver } from './webhook-observer';

/** Injection token of the app's { logger, middleware } pair from createHttpLogger. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

@Global()
@Module({
  imports: [
    SubscriptionsModule,
    // pino-http is mounted by createApp ahead of the body parser (so a 413 is logged too); nestjs-pino
    // only binds the request's logger for Nest's Logger calls (useExisting).
    LoggerModule.forRootAsync({
      inject: [HTTP_LOGGER],
      useFactory: (http: ReturnType<typeof createHttpLogger>) => ({ pinoHttp: { logger: http.logger }, useExisting: true }),
      providers: [{ provide: HTTP_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createHttpLogger(config) }],
    }),
  ],
  controllers: [MetricsController],
  providers: [
    MetricsService,
    WebhookObserver,
    { provide: HTTP_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createHttpLogger(config) },
  ],
  exports: [MetricsService, WebhookObserver, HTTP_LOGGER],
})
export class ObservabilityModule {}
