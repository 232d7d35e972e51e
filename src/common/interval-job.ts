import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A background job's start/stop lifecycle: a pass every interval on a timer registered with Nest's
 * SchedulerRegistry, never two passes at once, and stop() that clears the timer and waits for the
 * pass in hand (so shutdown never cuts one short). A failed pass goes to `onError`; the next runs.
 */
export class IntervalJob {
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly name: string,
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Runs `tick` every `everyMs` (by default a pass, skipped while one runs). */
  start(everyMs: number, tick: () => unknown = () => this.run()): void {
    this.scheduler.addInterval(this.name, setInterval(() => void tick(), everyMs));
  }

  /**
   * Starts a pass now, unless one is running: then that pass is returned, and with `again` one more
   * follows right after it (however many ask meanwhile). Nothing starts once stopped.
   */
  run(options: { again?: boolean } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      if (options.again) this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((error: Error) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.run();
        }
      });
    return this.running;
  }

  /** Whether stop() was called: a long pass checks it to end early. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** No more passes; resolves once the pass in hand (if any) is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
    await this.running;
  }
}
