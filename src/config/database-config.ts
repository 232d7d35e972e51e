import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { ConfigError, EnvVariable, readEnv, type Env } from './env';
import { readPrivateFile, writePrivateFile, type GeneratedFile } from './private-file';

const KEY_PROBLEM = 'must be 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)';

/** A 256-bit key given as 64 hex digits or as base64 of 32 bytes; undefined when it is not one. */
function keyOf(text: string): Buffer | undefined {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  return key?.length === 32 ? key : undefined;
}

function postgresUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL like postgres://user:password@host:5432/database';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `must start with postgres:// or postgresql://, got "${url.protocol}//"`;
  return url.pathname.length <= 1 ? 'must name a database, e.g. postgres://postgres@127.0.0.1:5432/gateway' : undefined;
}

/** The variables of the database module (and the migration CLI): where the data is, and the key for secrets at rest. */
export class DatabaseEnv {
  /** PostgreSQL connection string; unset means the embedded PGlite database in DATA_DIR. */
  @EnvVariable(postgresUrlProblem)
  DATABASE_URL?: string;

  @IsString()
  @Transform(({ value }: { value: string }) => resolve(value))
  DATA_DIR: string = resolve('./data');

  @EnvVariable((text) => (keyOf(text) ? undefined : KEY_PROBLEM), keyOf)
  SECRETS_KEY?: Buffer;

  /** Older keys still accepted for decryption (rotation), comma-separated. */
  @EnvVariable(
    (text) => (text.split(',').every((key) => keyOf(key.trim())) ? undefined : KEY_PROBLEM),
    (text) => text.split(',').map((key) => keyOf(key.trim())),
  )
  SECRETS_KEY_PREVIOUS: Buffer[] = [];
}

export interface DatabaseConfig {
  /** PostgreSQL connection string; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** AES-256 key for secrets at rest, and older keys still accepted for decryption (rotation). */
  secretsKey: Buffer;
  previousSecretsKeys: Buffer[];
  /** Set when no SECRETS_KEY was configured and the embedded default keeps one in DATA_DIR. */
  generatedSecretsKey?: GeneratedFile;
}

/** The part of the configuration the migration CLI needs: where the database is, and the secrets key. */
export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, SECRETS_KEY, SECRETS_KEY_PREVIOUS: previousSecretsKeys } = readEnv(DatabaseEnv, env);
  if (SECRETS_KEY) return { databaseUrl, dataDir, secretsKey: SECRETS_KEY, previousSecretsKeys };
  if (databaseUrl) {
    // Every instance on a shared database needs the same key, so it cannot be made up here.
    throw new ConfigError('SECRETS_KEY', 'is required with DATABASE_URL: 32 random bytes as base64 (`openssl rand -base64 32`), the same on every instance');
  }
  const { file, text } = readPrivateFile(dataDir, 'secrets-key');
  if (text !== undefined) {
    // A kept key that does not parse is an error, never replaced: the secrets stored under it would be lost.
    const secretsKey = keyOf(text);
    if (!secretsKey) throw new ConfigError(`SECRETS_KEY (from ${file})`, KEY_PROBLEM);
    return { databaseUrl, dataDir, secretsKey, previousSecretsKeys, generatedSecretsKey: { file, createdNow: false } };
  }
  const written = writePrivateFile(dataDir, 'secrets-key', randomBytes(32).toString('base64'));
  const secretsKey = keyOf(written.text);
  if (!secretsKey) throw new ConfigError(`SECRETS_KEY (from ${file})`, KEY_PROBLEM);
  return { databaseUrl, dataDir, secretsKey, previousSecretsKeys, generatedSecretsKey: { file, createdNow: written.createdNow } };
}
