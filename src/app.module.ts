import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ApiRateLimitGuard } from './common/api-rate-limit.guard';
import { ApiTokenGuard } from './common/api-token.guard';
import { ApiValidationPipe } from './common/api-validation.pipe';
import { JsonBodyGuard } from './common/json-body.guard';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DeliveryModule } from './delivery/delivery.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import type { VendorModule } from './vendors/vendor-definition';
import { VENDORS } from './vendors/vendors';
import { VendorsModule } from './vendors/vendors.module';

@Module({})
export class AppModule {
  /** The app with the vendors of `vendors` (default: the gateway's list, VENDORS). */
  static register(config: AppConfig, vendors: readonly VendorModule[] = VENDORS): DynamicModule {
    const modules = [
      DatabaseModule,
      SubscriptionsModule,
      EventsModule,
      DeliveryModule,
      HealthModule,
      ObservabilityModule,
      ScheduleModule.forRoot(),
      ThrottlerModule.forRootAsync({
        inject: [APP_CONFIG],
        useFactory: (appConfig: AppConfig) => ({
          throttlers: [{ name: 'api', ttl: 60_000, limit: appConfig.apiRateLimit }],
        }),
      }),
      VendorsModule.register(vendors),
    ];
    return {
      module: AppModule,
      // First, so each module's own variables are validated before anything else starts.
      imports: [ConfigModule.forRoot(config, modules), ...modules],
      providers: [
        // The management API's bodies and queries; vendor payloads are validated by the ingest service instead.
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // Rate limit first, so requests without a valid token are limited too.
        { provide: APP_GUARD, useClass: ApiRateLimitGuard },
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_GUARD, useClass: JsonBodyGuard },
      ],
    };
  }
}
