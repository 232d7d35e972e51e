import { createPGlite } from './pglite-driver';

/**
 * Run by pglite-driver.ts as a child process on an empty DATA_DIR: creates the database cluster in
 * the directory given as its argument, then exits. Done in a process of its own because initdb grows
 * PGlite's WebAssembly memory (and builds the cluster in memory first) to several hundred MB that a
 * process never gives back; the server then opens the finished cluster in a fresh instance.
 */
// Orphaned (the server was killed): stop; the next first start removes the staging directory.
process.once('disconnect', () => process.exit(1));
createPGlite(process.argv[2]).then(
  async (db) => {
    await db.close();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
