/** Starting, watching and stopping the servers under test, each as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../support/paths';

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  port: number;
  output(): string;
  /** How the process ended, when it has. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** CPU time (user + system) the process has used so far, in milliseconds. */
  cpuMs(): number;
  /** Peak resident set size sampled since the last reset, in MiB. */
  peakRssMb(): number;
  resetPeak(): void;
  stop(): Promise<void>;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a process from /proc (clock ticks, USER_HZ = 100 on Linux). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Runs `node <script>` from the build with the given environment; resolves once it answers HTTP. */
export async function startServer(
  name: string,
  script: string,
  port: number,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => ['PATH', 'HOME', 'LANG', 'TMPDIR'].includes(key)));
  const child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist', script)], {
    cwd: REPO_ROOT,
    env: { ...inherited, NO_COLOR: '1', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve();
    }),
  );
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(child.pid!));
  }, 50);
  sampler.unref();

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      clearInterval(sampler);
      throw new Error(`${name} exited (${child.exitCode}) before listening:\n${output}`);
    }
    const up = await fetch(`http://127.0.0.1:${port}/health/live`).then(
      (response) => response.arrayBuffer().then(() => true),
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      clearInterval(sampler);
      throw new Error(`${name} did not listen within 90 s:\n${output}`);
    }
    await sleep(100);
  }
  return {
    name,
    child,
    port,
    output: () => output,
    exit: () => ended,
    cpuMs: () => cpuMs(child.pid!),
    peakRssMb: () => Math.max(peak, rssMb(child.pid!)),
    resetPeak: () => {
      peak = rssMb(child.pid!);
    },
    async stop() {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
