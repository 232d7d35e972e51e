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

interface Row {
  id: string;
  secret: string | null;
  previous_secret: string | null;
  required_headers: Record<string, string>;
}

async function main(): Promise<void> {
  const config = loadDatabaseConfig(process.env);
  const cipher = new SecretCipher(config.secretsKey, config.previousSecretsKeys);
  const dataSource = await new DataSource({ ...buildDataSourceOptions(config, definitionsOf(VENDORS)), logging: ['error'] }).initialize();
  const again = (value: string | null) => (value === null ? null : cipher.encrypt(cipher.decrypt(value)));
  try {
    const rows: Row[] = await dataSource.query('SELECT id, secret, previous_secret, required_headers FROM subscriptions');
    let moved = 0;
    let changed = 0;
    for (const row of rows) {
      const values = [row.secret, row.previous_secret, ...Object.values(row.required_headers)].filter((value): value is string => value !== null);
      if (!values.some((value) => cipher.isStale(value))) continue;
      const headers = Object.fromEntries(Object.entries(row.required_headers).map(([name, value]) => [name, again(value)]));
      // Only if the row is still as read: a secret rotated meanwhile is already under the current key.
      const updated = await queryRows(
        dataSource,
        `UPDATE subscriptions SET secret = $2, previous_secret = $3, required_headers = $4
          WHERE id = $1 AND secret IS NOT DISTINCT FROM $5 AND previous_secret IS NOT DISTINCT FROM $6 AND required_headers = $7
          RETURNING id`,
        [row.id, again(row.secret), again(row.previous_secret), JSON.stringify(headers), row.secret, row.previous_secret, JSON.stringify(row.required_headers)],
      );
      if (updated.length > 0) moved += 1;
      else changed += 1;
    }
    console.log(
      `Re-encrypted ${moved} of ${rows.length} subscriptions with the current SECRETS_KEY.` +
        (changed > 0 ? ` ${changed} changed while this ran; run it again to check them.` : ''),
    );
    await reencryptDestinations(dataSource, cipher);
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

/** Destinations' signing secrets and static headers (encrypted JSON text), as above. */
async function reencryptDestinations(dataSource: DataSource, cipher: SecretCipher): Promise<void> {
  const again = (value: string | null) => (value === null ? null : cipher.encrypt(cipher.decrypt(value)));
  const rows: DestinationRow[] = await dataSource.query('SELECT id, signing_secret, previous_signing_secret, headers FROM destinations');
  let moved = 0;
  let changed = 0;
  for (const row of rows) {
    const values = [row.signing_secret, row.previous_signing_secret, row.headers].filter((value): value is string => value !== null);
    if (!values.some((value) => cipher.isStale(value))) continue;
    const updated = await queryRows(
      dataSource,
      `UPDATE destinations SET signing_secret = $2, previous_signing_secret = $3, headers = $4
        WHERE id = $1 AND signing_secret = $5 AND previous_signing_secret IS NOT DISTINCT FROM $6 AND headers IS NOT DISTINCT FROM $7
        RETURNING id`,
      [row.id, again(row.signing_secret), again(row.previous_signing_secret), again(row.headers), row.signing_secret, row.previous_signing_secret, row.headers],
    );
    if (updated.length > 0) moved += 1;
    else changed += 1;
  }
  console.log(
    `Re-encrypted ${moved} of ${rows.length} destinations with the current SECRETS_KEY.` +
      (changed > 0 ? ` ${changed} changed while this ran; run it again to check them.` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
