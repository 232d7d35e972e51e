/**
 * npm run secrets:reencrypt
 *
 * After setting a new SECRETS_KEY (with the old one in SECRETS_KEY_PREVIOUS), moves every stored
 * secret to the new key, so the old key can then be dropped. Safe to run while the gateway serves
 * (each row is rewritten only if it still holds what was read) and safe to run again.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { SecretCipher } from '../common/secret-cipher';
import { loadDatabaseConfig } from '../config/database-config';
import { queryRows } from '../database/query-rows';
import { buildDataSourceOptions } from '../database/data-source-options';
import { definitionsOf } from '../vendors/vendor-definition';
import { VENDORS } from '../vendors/vendors';

interface SubscriptionRow {
  id: string;
  secret: string | null;
  previous_secret: string | null;
  required_headers: Record<string, string>;
}

async function main(): Promise<void> {
  const config = loadDatabaseConfig(process.env);
  const cipher = new SecretCipher(config.secretsKey, config.previousSecretsKeys);
  const dataSource = await new DataSource({ ...buildDataSourceOptions(config, definitionsOf(VENDORS)), logging: ['error'] }).initialize();
  try {
    await reencrypt(
      dataSource,
      cipher,
      'subscriptions',
      await dataSource.query('SELECT id, secret, previous_secret, required_headers FROM subscriptions'),
      (row: SubscriptionRow) => [row.secret, row.previous_secret, ...Object.values(row.required_headers)],
      (row, again) => [
        `UPDATE subscriptions SET secret = $2, previous_secret = $3, required_headers = $4
          WHERE id = $1 AND secret IS NOT DISTINCT FROM $5 AND previous_secret IS NOT DISTINCT FROM $6 AND required_headers = $7
          RETURNING id`,
        [
          row.id,
          again(row.secret),
          again(row.previous_secret),
          JSON.stringify(Object.fromEntries(Object.entries(row.required_headers).map(([name, value]) => [name, again(value)]))),
          row.secret,
          row.previous_secret,
          JSON.stringify(row.required_headers),
        ],
      ],
    );
    // Destinations' signing secrets and static headers (encrypted JSON text).
    await reencrypt(
      dataSource,
      cipher,
      'destinations',
      await dataSource.query('SELECT id, signing_secret, previous_signing_secret, headers FROM destinations'),
      (row: DestinationRow) => [row.signing_secret, row.previous_signing_secret, row.headers],
      (row, again) => [
        `UPDATE destinations SET signing_secret = $2, previous_signing_secret = $3, headers = $4
          WHERE id = $1 AND signing_secret = $5 AND previous_signing_secret IS NOT DISTINCT FROM $6 AND headers IS NOT DISTINCT FROM $7
          RETURNING id`,
        [row.id, again(row.signing_secret), again(row.previous_signing_secret), again(row.headers), row.signing_secret, row.previous_signing_secret, row.headers],
      ],
    );
  } finally {
    await dataSource.destroy();
  }
}

interface DestinationRow {
  id: string;
  signing_secret: string;
  previous_signing_secret: string | null;
  headers: string | null;
}

/**
 * Rewrites each row of `table` that holds a value under an old key, its values re-encrypted with the
 * current one, by `update`'s statement, which changes the row only if it is still as read (a secret
 * rotated meanwhile is already under the current key); says how many moved and how many changed meanwhile.
 */
async function reencrypt<R extends { id: string }>(
  dataSource: DataSource,
  cipher: SecretCipher,
  table: string,
  rows: R[],
  encrypted: (row: R) => Array<string | null>,
  update: (row: R, again: (value: string | null) => string | null) => [string, unknown[]],
): Promise<void> {
  const again = (value: string | null) => (value === null ? null : cipher.encrypt(cipher.decrypt(value)));
  let moved = 0;
  let changed = 0;
  for (const row of rows) {
    if (!encrypted(row).some((value) => value !== null && cipher.isStale(value))) continue;
    const [sql, parameters] = update(row, again);
    if ((await queryRows(dataSource, sql, parameters)).length > 0) moved += 1;
    else changed += 1;
  }
  console.log(
    `Re-encrypted ${moved} of ${rows.length} ${table} with the current SECRETS_KEY.` + (changed > 0 ? ` ${changed} changed while this ran; run it again to check them.` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
