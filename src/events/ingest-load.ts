import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';

/**
 * How many webhook requests this instance is handling right now, and on average over a span: how
 * much vendors' deliveries are queueing here. The webhook path counts each request from its arrival
 * to its answer (or its connection closing); background work reads the average (IngestPriority), so
 * it can make way for webhooks. Counting is two additions per request, nothing more.
 */
@Injectable()
export class IngestLoad {
  private inFlight = 0;
  /** The integral of inFlight over time (request-milliseconds) since the last read. */
  private area = 0;
  private changedAt = performance.now();
  private readAt = this.changedAt;

  started(now = performance.now()): void {
    this.advance(now);
    this.inFlight += 1;
  }

  ended(now = performance.now()): void {
    this.advance(now);
    this.inFlight -= 1;
  }

  /** The average number of webhook requests in flight since the previous call (the time-weighted mean). */
  averageSinceLastRead(now = performance.now()): number {
    this.advance(now);
    const span = now - this.readAt;
    const average = span > 0 ? this.area / span : this.inFlight;
    this.area = 0;
    this.readAt = now;
    return average;
  }

  private advance(now: number): void {
    this.area += this.inFlight * (now - this.changedAt);
    this.changedAt = now;
  }
}
