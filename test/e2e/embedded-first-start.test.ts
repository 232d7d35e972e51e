import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { runGatewayExpectingExit, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';

/** A process's resident memory, in MB (Linux). */
function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** The pids of a process's children (Linux). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

describe("The embedded database's first start: initdb in a process of its own, put in place when complete", () => {
  const dataDirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-first-start-'));
    dataDirs.push(dir);
    return dir;
  };
  let gateway: GatewayProcess | undefined;
  after(async () => {
    await gateway?.stop('SIGKILL');
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('removes what a killed first start left, creates the database, leaves no initdb process behind, and runs with small shared_buffers', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const dataDir = newDataDir();
    // What a first start killed during initdb leaves: a staging directory beside an empty pgdata.
    mkdirSync(join(dataDir, 'pgdata.initdb-12345', 'base'), { recursive: true });
    writeFileSync(join(dataDir, 'pgdata.initdb-12345', 'PG_VERSION'), '17\n');
    mkdirSync(join(dataDir, 'pgdata'));

    gateway = await startGatewayProcess({ DATA_DIR: dataDir });
    assert.deepEqual(childrenOf(gateway.child.pid!), [], 'the initdb process has exited by the time the gateway answers');
    // initdb's memory left with its process: done in the gateway's own, it held 800-900 MB for good
    // (about 220 MB without it; BENCHMARKS.md, "Start-up and memory"). A wide margin, not a benchmark.
    const rss = rssMb(gateway.child.pid!);
    assert.ok(rss < 450, `the gateway holds ${rss.toFixed(0)} MB after its first start`);
    assert.deepEqual(readdirSync(dataDir).filter((name) => name.startsWith('pgdata.')), [], 'no staging directory is left');
    assert.ok(existsSync(join(dataDir, 'pgdata', 'PG_VERSION')), 'the database is in pgdata');
    assert.match(readFileSync(join(dataDir, 'pgdata', 'postgresql.conf'), 'utf8'), /^shared_buffers = 16MB\b/m, 'postgresql.conf says what the database runs with');
    assert.deepEqual(await gateway.stop('SIGTERM'), { code: 0, signal: null });
    gateway = undefined;

    // The database the gateway made is whole: migrated, and opened with the embedded settings.
    const dataSource = await new DataSource(buildDataSourceOptions({ dataDir, databaseUrl: undefined }, [])).initialize();
    try {
      const [{ shared_buffers }] = (await dataSource.query('SHOW shared_buffers')) as Array<{ shared_buffers: string }>;
      assert.equal(shared_buffers, '16MB');
      const migrations = (await dataSource.query('SELECT count(*)::int AS n FROM migrations')) as Array<{ n: number }>;
      assert.ok(migrations[0].n > 0, 'the migrations ran on it');
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses at once, naming the directory, a pgdata that holds files but no database, and leaves them alone', async () => {
    const dataDir = newDataDir();
    mkdirSync(join(dataDir, 'pgdata'));
    writeFileSync(join(dataDir, 'pgdata', 'notes.txt'), 'mine');

    const { code, output, timedOut } = await runGatewayExpectingExit({ DATA_DIR: dataDir }, 30_000);
    assert.equal(timedOut, false, output);
    assert.equal(code, 1, output);
    assert.equal(
      output.trim().split('\n').at(-1),
      `${join(dataDir, 'pgdata')} holds files but no database (no PG_VERSION): move them away, or set DATA_DIR to another directory`,
      'the last line says what is wrong and what to do',
    );
    assert.deepEqual(readdirSync(join(dataDir, 'pgdata')), ['notes.txt']);
    assert.deepEqual(readdirSync(dataDir).filter((name) => name.startsWith('pgdata.')), [], 'no initdb was started');
  });
});
