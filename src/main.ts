import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startApp } from './app.factory';
import { loadConfig, type AppConfig } from './config/app-config';
import { ConfigError } from './config/env';
import { lockDataDir, type DataDirLock } from './database/data-dir-lock';
import { waitForDatabase } from './database/database-preflight';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // Before the app is built, so that each of these stops the start with one line (printed below):
  // the embedded database serves one process, and a database that cannot be used is said so at once.
  let lock: DataDirLock | undefined;
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, { log: (line) => console.error(line) });
  else lock = await lockDataDir(config.dataDir);
  const app = await startApp(config);
  const logger = new Logger('Gateway');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (config.generatedApiToken?.createdNow && process.stdout.isTTY) {
    // Shown once, at creation, to the person at the terminal so they can call the API at once. Never
    // into a log (stdout not a terminal): the log line below names the file instead.
    console.log(`\nCreated an API token for /api (kept in ${config.generatedApiToken.file}):\n\n  ${config.apiTokens[0]}\n`);
  } else if (config.generatedApiToken) {
    logger.log(`${config.generatedApiToken.createdNow ? 'Created an API token' : 'API token'} for /api: see ${config.generatedApiToken.file}`);
  }
  if (config.generatedSecretsKey?.createdNow) {
    logger.warn(`Created the key that encrypts stored secrets: ${config.generatedSecretsKey.file}. Back it up with the data; without it they cannot be read.`);
  }
  logger.log(`Listening on http://${config.host}:${port} (database: ${config.databaseUrl ? 'PostgreSQL' : `embedded, in ${config.dataDir}`})`);

  // Graceful stop: refuse new connections first, then let in-flight requests and job runs finish,
  // give back alert leases, and close the database last (app.close runs the hooks in that order).
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping`);
    app.getHttpServer().close();
    app.close().then(
      async () => {
        await lock?.release();
        process.exit(0);
      },
      (error: Error) => {
        logger.error(`Shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  // A ConfigError from a module's own variables (checked as the app is built) is this one line too.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
