import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';
import { waitFor } from './wait';

/**
 * One of the CLI scripts (src/cli, built), run as a developer runs it, with only the environment
 * given (plus PATH and HOME); its output, stdout and stderr together, in `text`.
 */
export class CliScript {
  text = '';
  readonly exited: Promise<number | null>;
  private readonly child;

  constructor(script: 'simulate' | 'forward', args: string[], options: { env: Record<string, string>; cwd: string }) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', `${script}.js`), ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (chunk) => (this.text += chunk));
    this.child.stderr.on('data', (chunk) => (this.text += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  waitFor(what: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(`the script to print ${what} (got:\n${this.text})`, async () => this.text.match(what) ?? undefined, timeoutMs);
  }

  /** SIGTERM, if it still runs; its exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
