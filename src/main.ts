import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
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
  const logger = new Logger('Gateway');
  let lock: DataDirLock | undefined;
  let app: NestExpressApplication | undefined;
  let stopping: NodeJS.Signals | undefined;

  // Graceful stop: refuse new connections first, then let in-flight requests and job runs finish,
  // give back alert leases, and close the database last (app.close runs the hooks in that order).
  const stop = (started: NestExpressApplication) => {
    logger.log(`${stopping}: stopping`);
    started.getHttpServer().close();
    started.close().then(
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
  const signals = signalCounter();
  const onSignal = (signal: NodeJS.Signals) => {
    const count = signals(Date.now());
    if (count === undefined) return;
    const exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (count >= 3) {
      // What is not finished is cut short: the embedded database is recovered at the next start.
      logger.error(`${signal} a third time: forcing the stop without waiting for in-flight work or closing the database`);
      process.exit(exitCode);
    }
    if (count === 2) {
      logger.warn(`${signal} again: still stopping (finishing in-flight requests and jobs, then closing the database); send it once more to force the stop`);
      return;
    }
    stopping = signal;
    if (app) stop(app);
    // Still starting. Nothing of ours is open on PostgreSQL (a migration in flight is rolled back
    // with its connection); the embedded database, being opened, is closed once it is.
    else if (!lock) process.exit(exitCode);
    else logger.log(`${signal}: stopping once the embedded database has opened`);
  };
  // Not once(): a later signal must meet this handler, not Node's default (which kills at once).
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Before the app is built, so that each of these stops the start with one line (printed below):
  // the embedded database serves one process, and a database that cannot be used is said so at once.
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, { log: (line) => console.error(line) });
  else lock = await lockDataDir(config.dataDir);
  app = await startApp(config);
  if (stopping) return stop(app);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (config.generatedApiToken?.createdNow && process.stdout.isTTY) {
    // Shown once, at creation, to the person at the terminal so they can call the API at once. Never
    // into a log (stdout not a terminal): the log line below names the file instead.
    console.log(`\nCreated an API token for /api (kept in ${config.generatedApiToken.file}):\n\n  ${config.apiTokens[0]}\n`);
  } else if (config.generatedApiToken?.createdNow) {
    logger.log(`Created an API token for /api: see ${config.generatedApiToken.file}`);
  }
  if (config.generatedSecretsKey?.createdNow) {
    logger.warn(`Created the key that encrypts stored secrets: ${config.generatedSecretsKey.file}. Back it up with the data; without it they cannot be read.`);
  }
  logger.log(readyLine(config, port));
}

/**
 * One Ctrl-C reaches the gateway several times: from the terminal, and again from each npm that
 * runs it (`npm start` is two, so three SIGINTs within a few ms). A signal within ECHO_MS of the one
 * counted is that same request. Returns the request's number, or undefined for an echo.
 */
const ECHO_MS = 500;
function signalCounter(): (now: number) => number | undefined {
  let count = 0;
  let last = -Infinity;
  return (now) => {
    if (now - last < ECHO_MS) return undefined;
    last = now;
    return ++count;
  };
}

/** The one start-up line: where the console, the API docs and the API token are. */
function readyLine(config: AppConfig, port: number): string {
  // A wildcard address is not one a browser can open; this machine's own name for it is.
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host}:${port}`;
  const token = config.generatedApiToken ? `API token in ${config.generatedApiToken.file}` : 'API tokens from API_TOKENS';
  const database = config.databaseUrl ? 'PostgreSQL' : `embedded, in ${config.dataDir}`;
  return `Listening on ${base}: console ${base}/console/, API docs ${base}/docs, ${token} (database: ${database})`;
}

main().catch((error: unknown) => {
  // A ConfigError from a module's own variables (checked as the app is built) is this one line too.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
