import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Writes `text` to DATA_DIR/`name`, readable by the owner only; returns the file's path. */
export function writePrivateFile(dataDir: string, name: string, text: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, name);
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
