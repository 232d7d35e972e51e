import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/app-config';
import { ConfigError } from '../../src/config/env';
import { loadDeliveryConfig } from '../../src/delivery/delivery.config';
import { loadInsideViewConfig } from '../../src/vendors/insideview/insideview.config';

describe('Configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const base = { DATA_DIR: dataDir, API_TOKENS: 'a-token-of-sixteen-chars' };
  /** The core configuration and InsideView's (which its module reads as the app starts). */
  const loadAll = (env: Record<string, string>) => {
    const config = loadConfig(env);
    return { ...config, insideview: loadInsideViewConfig(config.env) };
  };

  it('has working defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.publicBaseUrl, 'http://localhost:3000');
    assert.equal(config.bodyLimitBytes, 1024 * 1024);
    assert.deepEqual(config.logLevels, ['fatal', 'error', 'warn', 'log']);
  });

  it('creates one API token in DATA_DIR when none is configured, and reuses it', () => {
    const ownDir = join(dataDir, 'token-test');
    const first = loadConfig({ DATA_DIR: ownDir });
    assert.equal(first.generatedApiToken?.createdNow, true);
    const file = join(ownDir, 'api-token');
    assert.equal(readFileSync(file, 'utf8').trim(), first.apiTokens[0]);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by the owner only');
    const second = loadConfig({ DATA_DIR: ownDir });
    assert.equal(second.generatedApiToken?.createdNow, false);
    assert.deepEqual(second.apiTokens, first.apiTokens);
  });

  it('keeps a generated secrets key in DATA_DIR on the embedded default, and takes hex or base64 keys', () => {
    const ownDir = join(dataDir, 'key-test');
    const first = loadConfig({ DATA_DIR: ownDir, API_TOKENS: 'a-token-of-sixteen-chars' });
    assert.equal(first.generatedSecretsKey?.createdNow, true);
    assert.equal(first.secretsKey.length, 32);
    assert.equal(statSync(join(ownDir, 'secrets-key')).mode & 0o777, 0o600);
    const second = loadConfig({ DATA_DIR: ownDir, API_TOKENS: 'a-token-of-sixteen-chars' });
    assert.deepEqual(second.secretsKey, first.secretsKey);
    const hex = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    assert.deepEqual(loadConfig({ ...base, SECRETS_KEY: hex }).secretsKey, Buffer.from(hex, 'hex'));
    assert.deepEqual(loadConfig({ ...base, SECRETS_KEY: Buffer.from(hex, 'hex').toString('base64') }).secretsKey, Buffer.from(hex, 'hex'));
  });

  it('takes comma-separated API tokens, trims values and the base URL’s trailing slash', () => {
    const config = loadConfig({ ...base, API_TOKENS: ' first-token-abcdefgh , second-token-abcdefg ', PUBLIC_BASE_URL: 'https://hooks.example.com/', PORT: ' 8080 ' });
    assert.deepEqual(config.apiTokens, ['first-token-abcdefgh', 'second-token-abcdefg']);
    assert.equal(config.publicBaseUrl, 'https://hooks.example.com');
    assert.equal(config.port, 8080);
    assert.equal(config.generatedApiToken, undefined);
  });

  it('parses body limits', () => {
    const parseBodyLimit = (value: string) => loadConfig({ ...base, BODY_LIMIT: value }).bodyLimitBytes;
    assert.equal(parseBodyLimit('512kb'), 512 * 1024);
    assert.equal(parseBodyLimit('2MB'), 2 * 1024 * 1024);
    assert.equal(parseBodyLimit('100'), 100);
  });

  it('rejects each bad value with an error naming its variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ PORT: '70000' }, 'PORT'],
      [{ PORT: '-1' }, 'PORT'],
      [{ HOST: 'bad host' }, 'HOST'],
      [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
      [{ DATABASE_URL: 'postgres://localhost' }, 'DATABASE_URL'],
      [{ PUBLIC_BASE_URL: 'ftp://example.com' }, 'PUBLIC_BASE_URL'],
      [{ PUBLIC_BASE_URL: 'https://example.com/?a=1' }, 'PUBLIC_BASE_URL'],
      [{ API_TOKENS: 'short' }, 'API_TOKENS'],
      [{ API_TOKENS: 'good-token-0123456789,' }, 'API_TOKENS'],
      [{ API_TOKENS: 'sha256:abc' }, 'API_TOKENS'],
      [{ BODY_LIMIT: '0' }, 'BODY_LIMIT'],
      [{ BODY_LIMIT: '1gb' }, 'BODY_LIMIT'],
      [{ BODY_LIMIT: '65mb' }, 'BODY_LIMIT'],
      [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
      [{ DATABASE_URL: 'postgres://localhost/db' }, 'SECRETS_KEY'],
      [{ SECRETS_KEY: 'too-short' }, 'SECRETS_KEY'],
      [{ SECRETS_KEY: '0011223344556677889900112233445566778899001122334455667788990011', SECRETS_KEY_PREVIOUS: 'nope' }, 'SECRETS_KEY_PREVIOUS'],
      [{ ALERT_FETCH_LEASE_SECONDS: '10' }, 'ALERT_FETCH_LEASE_SECONDS'],
    ];
    for (const [env, variable] of cases) {
      assert.throws(
        () => loadAll({ ...base, ...env }),
        (error: unknown) => error instanceof ConfigError && error.variable === variable && error.message.includes(variable),
        JSON.stringify(env),
      );
    }
  });

  it('never puts a token in an error message', () => {
    assert.throws(
      () => loadConfig({ ...base, API_TOKENS: 'valid-token-0123456789,sh' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('valid-token-0123456789') && !error.message.includes(',sh'),
    );
  });
  it('reads CALLBACK_ALLOWED_HOSTS as host or host:port entries, and INSIDEVIEW_RESPONSE_LIMIT as a size', () => {
    assert.deepEqual(loadConfig(base).callbackAllowedHosts, []);
    assert.deepEqual(loadConfig({ ...base, CALLBACK_ALLOWED_HOSTS: ' Hooks.Example.com , proxy.example.com:8443,[::1]:80 ' }).callbackAllowedHosts, [
      'hooks.example.com',
      'proxy.example.com:8443',
      '[::1]:80',
    ]);
    assert.equal(loadAll(base).insideview.responseLimitBytes, 8 * 1024 * 1024);
    assert.equal(loadAll({ ...base, INSIDEVIEW_RESPONSE_LIMIT: '512kb' }).insideview.responseLimitBytes, 512 * 1024);
    for (const [env, variable] of [
      [{ CALLBACK_ALLOWED_HOSTS: 'https://hooks.example.com' }, 'CALLBACK_ALLOWED_HOSTS'],
      [{ CALLBACK_ALLOWED_HOSTS: 'hooks.example.com/path' }, 'CALLBACK_ALLOWED_HOSTS'],
      [{ CALLBACK_ALLOWED_HOSTS: 'user@hooks.example.com' }, 'CALLBACK_ALLOWED_HOSTS'],
      [{ CALLBACK_ALLOWED_HOSTS: 'hooks.example.com,' }, 'CALLBACK_ALLOWED_HOSTS'],
      [{ CALLBACK_ALLOWED_HOSTS: 'hooks.example.com:70000' }, 'CALLBACK_ALLOWED_HOSTS'],
      [{ INSIDEVIEW_RESPONSE_LIMIT: '100b' }, 'INSIDEVIEW_RESPONSE_LIMIT'],
      [{ INSIDEVIEW_RESPONSE_LIMIT: '65mb' }, 'INSIDEVIEW_RESPONSE_LIMIT'],
    ] as Array<[Record<string, string>, string]>) {
      assert.throws(() => loadAll({ ...base, ...env }), (error: unknown) => error instanceof ConfigError && error.variable === variable, JSON.stringify(env));
    }
  });

  it('refuses a DELIVERY_LEASE_SECONDS shorter than the longest destination timeout plus the margin', () => {
    assert.equal(loadDeliveryConfig({}).leaseSeconds, undefined, 'unset: each destination its timeout plus the margin');
    assert.equal(loadDeliveryConfig({ DELIVERY_LEASE_SECONDS: '75' }).leaseSeconds, 75);
    assert.throws(
      () => loadDeliveryConfig({ DELIVERY_LEASE_SECONDS: '74' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'DELIVERY_LEASE_SECONDS' && /at least 75 .*got 74/.test(error.message),
    );
  });

  it('reads DELIVERY_WORKER as on or off and DELIVERY_SATURATED_RATE as a rate, refusing anything else by name', () => {
    assert.equal(loadDeliveryConfig({}).worker, true);
    assert.equal(loadDeliveryConfig({}).saturatedRate, 50);
    assert.equal(loadDeliveryConfig({ DELIVERY_WORKER: 'off', DATABASE_URL: 'postgres://db/gateway' }).worker, false);
    assert.throws(
      () => loadDeliveryConfig({ DELIVERY_WORKER: 'off' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'DELIVERY_WORKER' && /only with DATABASE_URL/.test(error.message),
      'off on the embedded database, where this process is the only one, would deliver nothing',
    );
    assert.equal(loadDeliveryConfig({ DELIVERY_WORKER: ' ON ' }).worker, true);
    assert.equal(loadDeliveryConfig({ DELIVERY_SATURATED_RATE: '200' }).saturatedRate, 200);
    for (const [variable, value] of [
      ['DELIVERY_WORKER', 'maybe'],
      ['DELIVERY_WORKER', 'false'],
      ['DELIVERY_SATURATED_RATE', '0'],
      ['DELIVERY_SATURATED_RATE', '1.5'],
    ]) {
      assert.throws(
        () => loadDeliveryConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigError && error.variable === variable && error.message.includes(`"${value}"`),
        `${variable}=${value}`,
      );
    }
  });
});
