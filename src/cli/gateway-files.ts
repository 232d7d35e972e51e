import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { API_TOKEN_FILE } from '../config/app-config';
import { readPrivateFile } from '../config/private-file';

/** The gateway's DATA_DIR as the gateway itself reads it (default ./data): where the CLI keeps its files too. */
export function dataDir(): string {
  return resolve(process.env.DATA_DIR?.trim() || './data');
}

/**
 * The API token, never from a command line: the file given (--token-file), else env API_TOKEN, else
 * DATA_DIR/api-token as the gateway writes it. A problem, worded for the person running the script, when
 * there is none.
 */
export function findApiToken(tokenFile?: string): { token: string } | { problem: string } {
  const fromFile = (file: string, hint: string): { token: string } | { problem: string } => {
    if (!existsSync(file)) return { problem: `No API token: ${file} does not exist (${hint})` };
    const token = readFileSync(file, 'utf8').trim();
    return token ? { token } : { problem: `No API token: ${file} is empty` };
  };
  if (tokenFile !== undefined) return fromFile(tokenFile, 'check --token-file');
  const fromEnv = process.env.API_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv };
  return fromFile(readPrivateFile(dataDir(), API_TOKEN_FILE).file, 'set API_TOKEN, or --token-file, or DATA_DIR to the gateway’s');
}
