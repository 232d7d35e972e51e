import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the gateway generated into DATA_DIR when the environment left it unset (the API token, the secrets key). */
export interface GeneratedFile {
  file: string;
  /** Made at this start (else read from an earlier one). */
  createdNow: boolean;
}

/** The trimmed text of DATA_DIR/`name`, or undefined when there is no such file. */
export function readPrivateFile(dataDir: string, name: string): { file: string; text?: string } {
  const file = join(dataDir, name);
  return { file, text: existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined };
}

/**
 * Creates DATA_DIR/`name` holding `text`, readable by the owner only, or returns what it already holds.
 * Written aside and linked into place, so a process starting at the same moment finds the first one's
 * file whole and never replaces it (two gateways on a new DATA_DIR must not end up with two keys).
 * `replace` is for a file found unusable.
 */
export function writePrivateFile(dataDir: string, name: string, text: string, replace = false): GeneratedFile & { text: string } {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  const aside = `${file}.${randomBytes(6).toString('hex')}.new`;
  writeFileSync(aside, `${text}\n`, { mode: 0o600 });
  try {
    chmodSync(aside, 0o600);
    if (replace) renameSync(aside, file);
    else linkSync(aside, file);
    return { file, text, createdNow: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { file, text: readFileSync(file, 'utf8').trim(), createdNow: false };
  } finally {
    rmSync(aside, { force: true });
  }
}
