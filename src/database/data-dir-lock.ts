import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * The embedded database (PGlite) serves one process: it has no lock of its own (its postmaster.pid
 * names a made-up pid), so two gateways on one DATA_DIR would both write it and hand out the same ids.
 *
 * The lock is a Unix socket listening at DATA_DIR/gateway.lock for the life of the process. The
 * kernel closes it however the process ends, kill -9 included: a socket that accepts a connection is
 * a live holder (the start is refused), one that refuses it was left by a crash and is taken over.
 * Unlike a pid in a file, a reused pid or a process in another container sharing the volume cannot
 * fool it. On Windows it is a named pipe, which vanishes with its process.
 */
export const LOCK_FILE = 'gateway.lock';

/** Another live process holds DATA_DIR. The message is the one line the start prints. */
export class DataDirLockedError extends Error {
  constructor(dataDir: string, holderPid: number | undefined) {
    super(
      `DATA_DIR ${dataDir} is in use by another gateway${holderPid ? ` (pid ${holderPid})` : ''}: the embedded database serves one process. ` +
        'Stop that one, or run several instances on PostgreSQL with DATABASE_URL.',
    );
  }
}

export interface DataDirLock {
  /** Gives the lock back (once the database is closed); the process exiting does too. */
  release(): Promise<void>;
}

interface Held {
  server: Server;
  /** The socket file we bound (its inode), so a release never removes another process's lock. */
  path?: string;
  inode?: number;
  holders: number;
}

/** Locks held by this process, by directory: the app and its database driver share one. */
const held = new Map<string, Held>();

// A normal exit (process.exit included) removes our socket file; after a crash the next start finds
// it refusing connections and takes it over.
process.once('exit', () => {
  for (const lock of held.values()) removeOwnSocketFile(lock);
});

/**
 * Takes the lock on `dataDir` for this process, or throws DataDirLockedError when another live process
 * holds it. Re-entrant within one process (every acquire needs its release).
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const dir = realpathSync(dataDir);
  let lock = held.get(dir);
  if (!lock) {
    lock = await acquire(dir);
    held.set(dir, lock);
  }
  lock.holders += 1;
  let released = false;
  const mine = lock;
  return {
    async release() {
      if (released) return;
      released = true;
      mine.holders -= 1;
      if (mine.holders > 0 || held.get(dir) !== mine) return;
      held.delete(dir);
      removeOwnSocketFile(mine);
      await new Promise<void>((done) => mine.server.close(() => done()));
    },
  };
}

async function acquire(dir: string): Promise<Held> {
  if (process.platform === 'win32') {
    const pipe = `\\\\.\\pipe\\webhook-gateway-${createHash('sha256').update(dir.toLowerCase()).digest('hex').slice(0, 32)}`;
    const server = await listen(pipe);
    if (server) return { server, holders: 0 };
    throw new DataDirLockedError(dir, (await probe(pipe)).pid);
  }
  const path = socketPath(dir);
  // A few rounds at most: each one either takes the lock, meets a live holder, or clears a stale lock.
  for (let round = 0; round < 5; round += 1) {
    const server = await listen(path);
    if (server) return { server, path, inode: inodeOf(path), holders: 0 };
    const holder = await probe(path);
    if (holder.alive) throw new DataDirLockedError(dir, holder.pid);
    if (holder.gone) continue;
    // Stale (its process died). Move it aside before removing it: if another start took the lock in
    // the meantime, what we moved is live, and it is put back.
    const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if ((await probe(aside)).alive) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone else is at `path` now; the round below meets it.
      }
    }
    unlinkSync(aside);
  }
  throw new Error(`Could not take the lock ${join(dir, LOCK_FILE)}: it keeps changing hands`);
}

/**
 * The socket's address. Linux and macOS take at most ~104 bytes; a longer DATA_DIR is reached on
 * Linux through /proc/self/fd (a descriptor of the directory, kept open), elsewhere it is refused.
 */
function socketPath(dir: string): string {
  const path = join(dir, LOCK_FILE);
  if (Buffer.byteLength(path) <= 100) return path;
  if (process.platform === 'linux') return join('/proc/self/fd', String(openSync(dir, 'r')), LOCK_FILE);
  throw new Error(`DATA_DIR ${dir} is too long a path for its lock (${LOCK_FILE}); use a DATA_DIR of at most 85 characters`);
}

/** Listens at `path`; undefined when something is there already. */
function listen(path: string): Promise<Server | undefined> {
  return new Promise((done, fail) => {
    const server = createServer((socket) => socket.on('error', () => undefined).end(`${JSON.stringify({ pid: process.pid })}\n`));
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? done(undefined) : fail(error)));
    server.listen(path, () => {
      server.unref(); // the lock must not keep a finished process alive
      done(server);
    });
  });
}

/**
 * Whether a process listens at `path` (it accepts the connection, even with a busy event loop), and
 * its pid if it says so within a second.
 */
function probe(path: string): Promise<{ alive: boolean; gone?: boolean; pid?: number }> {
  return new Promise((done) => {
    const socket = connect(path);
    let alive = false;
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const pid = Number(/"pid":(\d+)/.exec(text)?.[1]);
      done({ alive, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined });
    };
    const timer = setTimeout(finish, 1000);
    socket.setEncoding('utf8');
    socket.on('connect', () => (alive = true));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      // Refused: a socket file nobody listens on (a crash left it). Missing: removed meanwhile.
      // Anything else (EAGAIN: its queue is full) means a process is there.
      if (error.code === 'ECONNREFUSED') done({ alive: false });
      else if (error.code === 'ENOENT') done({ alive: false, gone: true });
      else done({ alive: true });
    });
  });
}

function removeOwnSocketFile(lock: Held): void {
  if (!lock.path) return;
  try {
    if (lock.inode !== undefined && inodeOf(lock.path) === lock.inode) unlinkSync(lock.path);
  } catch {
    // Already gone.
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}
