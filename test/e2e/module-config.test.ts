import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runGatewayExpectingExit } from '../support/gateway-process';

describe("A module's own variables (declared in its folder)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-module-config-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stop the start on a bad value with one line naming the variable, before the database is touched', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ INSIDEVIEW_TIMEOUT_MS: 'soon' }, /^Invalid configuration: INSIDEVIEW_TIMEOUT_MS must be a whole number from 100 to 120000, got "soon"$/],
      [{ INSIDEVIEW_API_URL: 'api.example.com' }, /^Invalid configuration: INSIDEVIEW_API_URL /],
      [{ INSIDEVIEW_CLIENT_ID: 'only-the-id' }, /^Invalid configuration: INSIDEVIEW_CLIENT_SECRET must be set together with its pair$/],
      // A cross-field rule: the lease must outlast the slowest page the timeout and retries allow.
      [{ INSIDEVIEW_TIMEOUT_MS: '60000', ALERT_FETCH_LEASE_SECONDS: '120' }, /^Invalid configuration: ALERT_FETCH_LEASE_SECONDS must exceed /],
    ];
    for (const [env, line] of cases) {
      const { code, output } = await runGatewayExpectingExit({ DATA_DIR: dataDir, PORT: '0', ...env });
      assert.equal(code, 1, output);
      const lines = output.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${output}`);
      assert.match(lines[0], line);
      assert.equal(existsSync(join(dataDir, 'pgdata')), false, 'the embedded database was not started');
    }
  });
});
