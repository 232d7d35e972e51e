import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/** The DataSource the TypeORM CLI uses (`npm run migration:*`), configured like the app. */
export default new DataSource(buildDataSourceOptions(loadDatabaseConfig(process.env)));
