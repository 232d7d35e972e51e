import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/database-config';
import { SecretCipher, useSecretCipher } from '../common/secret-cipher';
import { definitionsOf } from '../vendors/vendor-definition';
import { VENDORS } from '../vendors/vendors';
import { buildDataSourceOptions } from './data-source-options';

const config = loadDatabaseConfig(process.env);
useSecretCipher(new SecretCipher(config.secretsKey, config.previousSecretsKeys));

/** The DataSource the TypeORM CLI uses (`npm run migration:*`), configured like the app. */
export default new DataSource(buildDataSourceOptions(config, definitionsOf(VENDORS)));
