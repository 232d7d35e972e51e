/** How a benchmark server built on the app runs: closed on SIGTERM or SIGINT, exit 1 if it cannot start. */
export function runUntilSignalled(start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (app) => {
      // `on`, and once: a repeated signal must not kill the close.
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        void app.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
