/**
 * The start-up pass of `npm run bench` (alone: `npm run bench -- --startup-only`): how long the
 * production build takes from spawn to ready, and how much memory it then holds while idle, on the
 * embedded database (the default) and on PostgreSQL, for a first start (empty DATA_DIR, empty
 * database: initdb and every migration) and for a later start on the same data. See BENCHMARKS.md.
 *
 * Each start is `node <flags of npm run start:prod> dist/src/main.js` with the environment a newcomer
 * has (no API_TOKENS, no SECRETS_KEY, default log level): ready is the "Listening on" log line; idle
 * RSS is VmRSS from /proc after IDLE_MS of doing nothing (no forced GC: what `ps` shows a user); peak
 * RSS is sampled every 20 ms from spawn to then. Both count the server's child processes too.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/gateway-process';
import { productionNodeArgs, REPO_ROOT } from '../support/paths';

export interface StartupOptions {
  /** One start of each kind, no median. */
  smoke: boolean;
  /** First starts per database (each on fresh data), each followed by two later starts (one in the smoke). */
  runs: number;
  /** Creates an empty PostgreSQL database and says how to drop it; undefined: embedded only. */
  createDatabase?: () => Promise<{ url: string; drop: () => Promise<void> }>;
}

export interface StartFigures {
  readyMs: number;
  /** CPU time (user + system) the server used from spawn to ready: less at the mercy of a busy machine. */
  readyCpuMs: number;
  idleRssMb: number;
  peakRssMb: number;
}

const IDLE_MS = 3000;

function vmRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** VmRSS of a process and its children (the embedded database's initdb runs in one on a first start). */
function treeRssMb(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or not Linux
  }
  return vmRssMb(pid) + children.reduce((sum, child) => sum + treeRssMb(child), 0);
}

/** CPU time of a process and of its children that have ended (initdb's), from /proc (USER_HZ = 100), in ms. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

/** Starts the production build once, waits for ready and IDLE_MS of idleness, measures, stops it. */
export async function measureStart(env: Record<string, string>, nodeArgs = productionNodeArgs()): Promise<StartFigures> {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => ['PATH', 'HOME', 'LANG', 'TMPDIR'].includes(key)));
  const extra = process.env.BENCH_GATEWAY_NODE_ARGS ? process.env.BENCH_GATEWAY_NODE_ARGS.split(' ') : [];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...extra, join(REPO_ROOT, 'dist', 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...inherited, NO_COLOR: '1', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssMb(child.pid!))), 20);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let readyCpuMs = NaN;
    const readyMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready within 90 s:\n${output}`)), 90_000);
      const keep = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Listening on') && Number.isNaN(readyCpuMs)) {
          readyCpuMs = cpuMs(child.pid!);
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code}) before ready:\n${output}`));
      });
    });
    await sleep(IDLE_MS);
    const idleRssMb = treeRssMb(child.pid!);
    return { readyMs, readyCpuMs, idleRssMb, peakRssMb: Math.max(peak, idleRssMb) };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Kind {
  name: string;
  first: StartFigures[];
  later: StartFigures[];
}

/** First and later starts on one kind of database; `fresh` makes new empty data and returns its env and cleanup. */
async function measureKind(
  name: string,
  runs: number,
  laterPerFirst: number,
  fresh: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>,
  log: (line: string) => void,
): Promise<Kind> {
  const kind: Kind = { name, first: [], later: [] };
  for (let run = 0; run < runs; run++) {
    const { env, cleanup } = await fresh();
    try {
      kind.first.push(await measureStart(env));
      log(`  ${name} first start: ${describe(kind.first.at(-1)!)}`);
      for (let again = 0; again < laterPerFirst; again++) {
        kind.later.push(await measureStart(env));
        log(`  ${name} later start: ${describe(kind.later.at(-1)!)}`);
      }
    } finally {
      await cleanup();
    }
  }
  return kind;
}

function describe(figures: StartFigures): string {
  return `ready ${figures.readyMs.toFixed(0)} ms (CPU ${figures.readyCpuMs.toFixed(0)} ms), idle ${figures.idleRssMb.toFixed(0)} MB, peak ${figures.peakRssMb.toFixed(0)} MB`;
}

/** Runs the pass and returns its report (a markdown table); progress lines go to `log` as they come. */
export async function runStartupBench(options: StartupOptions, log: (line: string) => void): Promise<string> {
  const runs = options.smoke ? 1 : options.runs;
  const laterPerFirst = options.smoke ? 1 : 2;
  const kinds: Kind[] = [];
  kinds.push(
    await measureKind('embedded', runs, laterPerFirst, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
      return { env: { DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    }, log),
  );
  if (options.createDatabase) {
    const create = options.createDatabase;
    kinds.push(
      await measureKind('PostgreSQL', runs, laterPerFirst, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
        const database = await create();
        return {
          env: { DATA_DIR: dataDir, DATABASE_URL: database.url, SECRETS_KEY: randomBytes(32).toString('base64') },
          cleanup: async () => {
            await database.drop();
            rmSync(dataDir, { recursive: true, force: true });
          },
        };
      }, log),
    );
  }
  const rows = [['start', 'ready (ms)', 'CPU to ready (ms)', 'idle RSS (MB)', 'peak RSS (MB)', 'starts']];
  for (const kind of kinds) {
    for (const [when, figures] of [['first', kind.first], ['later', kind.later]] as const) {
      rows.push([
        `${kind.name}, ${when}`,
        median(figures.map((f) => f.readyMs)).toFixed(0),
        median(figures.map((f) => f.readyCpuMs)).toFixed(0),
        median(figures.map((f) => f.idleRssMb)).toFixed(0),
        median(figures.map((f) => f.peakRssMb)).toFixed(0),
        String(figures.length),
      ]);
    }
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const table = [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
  const heading = `## Start-up and memory (node ${productionNodeArgs().join(' ')} dist/src/main.js; median of ${runs} first and ${laterPerFirst * runs} later start(s); idle RSS after ${IDLE_MS / 1000} s, no forced GC)`;
  return `${heading}\n\n${table}\n${options.smoke ? '' : `\n${judge(kinds[0])}\n`}`;
}

/** The issue's targets for the embedded default (BENCHMARKS.md), each said met or not. */
function judge(embedded: Kind): string {
  const targets: Array<[string, number, number]> = [
    ['idle RSS after the first start ≤ 300 MB', median(embedded.first.map((f) => f.idleRssMb)), 300],
    ['idle RSS after a later start ≤ 250 MB', median(embedded.later.map((f) => f.idleRssMb)), 250],
    ['ready after a later start ≤ 2 s', median(embedded.later.map((f) => f.readyMs)) / 1000, 2],
  ];
  return targets.map(([name, value, limit]) => `target, embedded: ${name}: ${value <= limit ? 'met' : 'NOT met'} (${value.toFixed(value < 10 ? 1 : 0)})`).join('\n');
}
