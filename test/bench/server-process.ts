/** How a benchmark server built on the app runs: closed on SIGTERM or SIGINT, exit 1 if it cannot start. */
export function runUntilSignalled(start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (app) => {
      const stop = () => void app.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
