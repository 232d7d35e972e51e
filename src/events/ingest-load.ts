import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Per socket: how to end each request of it still counted (a pipelined one can wait behind another). */
const PENDING = Symbol('ingestLoadPending');
type TrackedSocket = Socket & { [PENDING]?: Set<() => void> };

/**
 * How many webhook requests this instance is working on right now, and on average over a span: how
 * much vendors' deliveries queue here. A request counts from when its whole body has arrived (a
 * sender uploading slowly is not waiting on this instance, and holding connections open cannot
 * inflate the count) until its answer is done or its connection closes, whichever comes first, once.
 * Background work reads the average (IngestPriority) to make way for webhooks.
 */
@Injectable()
export class IngestLoad {
  private count = 0;
  /** The integral of the count over time (request-milliseconds) since the last read. */
  private area = 0;
  private changedAt = performance.now();
  private readAt = this.changedAt;

  /** Whether anything reads the count: on an instance that does not deliver, nothing does, and nothing is counted. */
  private counting = false;

  /** From now on, count (called once, at start-up, by what reads the count). */
  startCounting(): void {
    this.counting = true;
  }

  /** Counts `request` while this instance works on it (see the class). */
  track(request: IncomingMessage, response: ServerResponse): void {
    if (!this.counting) return;
    request.once('end', () => {
      if (response.writableFinished || response.destroyed) return;
      this.started();
      const socket = request.socket as TrackedSocket;
      let pending = socket[PENDING];
      if (!pending) {
        const set = new Set<() => void>();
        pending = socket[PENDING] = set;
        // One listener per connection, however many requests it carries: a response queued behind
        // another (pipelining) gets no 'close' of its own when the connection dies.
        socket.once('close', () => {
          for (const end of [...set]) end();
        });
      }
      const end = () => {
        if (!pending.delete(end)) return;
        response.off('close', end);
        this.ended();
      };
      pending.add(end);
      response.once('close', end);
    });
  }

  /** Requests counted now. */
  get inFlight(): number {
    return this.count;
  }

  started(now = performance.now()): void {
    this.advance(now);
    this.count += 1;
  }

  ended(now = performance.now()): void {
    this.advance(now);
    this.count -= 1;
  }

  /** The average number of requests counted since the previous call (the time-weighted mean). */
  averageSinceLastRead(now = performance.now()): number {
    this.advance(now);
    const span = now - this.readAt;
    const average = span > 0 ? this.area / span : this.count;
    this.area = 0;
    this.readAt = now;
    return average;
  }

  private advance(now: number): void {
    this.area += this.count * (now - this.changedAt);
    this.changedAt = now;
  }
}
