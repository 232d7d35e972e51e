import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SecretCipher, useSecretCipher } from '../common/secret-cipher';
import { VENDOR_LIST, type VendorDefinition } from '../vendors/vendor-definition';
import { buildDataSourceOptions } from './data-source-options';
import { isDatabaseUnavailable } from './database-unavailable';
import { MigrationRunner } from './migration-runner';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG, VENDOR_LIST],
      useFactory: (config: AppConfig, vendors: readonly VendorDefinition[]) => {
        useSecretCipher(new SecretCipher(config.secretsKey, config.previousSecretsKeys));
        return {
        ...buildDataSourceOptions(config, vendors),
        retryAttempts: config.databaseUrl ? 10 : 0,
        retryDelay: 3000,
        // Only an unreachable server is worth waiting for; a missing database or a wrong password is not.
        toRetry: isDatabaseUnavailable,
        };
      },
    }),
  ],
  providers: [MigrationRunner],
})
export class DatabaseModule {}
