import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { IngestLoad } from '../events/ingest-load';
import { DELIVERY_CONFIG, type DeliveryConfig } from './delivery.config';
import { DeliveryMetrics } from './delivery-metrics';

/** How often the instance's load is sampled, ms. */
export const SAMPLE_MS = 100;
/** Webhook requests in flight, on average over a sample, from which they count as queueing here. */
export const QUEUEING_WEBHOOKS = 16;
/** The share of a sample the event loop was busy from which it counts as saturated... */
export const SATURATED_UTILIZATION = 0.9;
/** ...and below which, once yielding, it has room again. */
export const RELIEVED_UTILIZATION = 0.5;
/**
 * Samples in a row that must agree before the instance starts or stops yielding: a GC pause or one
 * large batch is not a flood, and a batch of answers leaving at once is not its end.
 */
export const SAMPLES_TO_CHANGE = 2;

/** One sample of the instance's load. */
export interface LoadSample {
  /** The share of the sample the event loop was busy (0–1). */
  utilization: number;
  /** Webhook requests in flight, on average over the sample. */
  webhooksInFlight: number;
}

/**
 * Webhooks before deliveries, on one instance. The worker shares the event loop with the webhooks,
 * and a delivery costs it about as much CPU as storing an event does: at saturation every delivery
 * made meanwhile is a webhook answered later. So when SAMPLES_TO_CHANGE samples in a row find
 * webhooks queueing (on average QUEUEING_WEBHOOKS or more in flight) while the event loop is
 * saturated (SATURATED_UTILIZATION), the instance yields: its worker starts at most
 * DELIVERY_SATURATED_RATE attempts a second (never none, so deliveries still move under a flood),
 * and the fan-out queues on its poll rather than after every stored batch. It yields until as many
 * samples in a row find webhooks no longer queueing or the loop with room (RELIEVED_UTILIZATION),
 * then catches the backlog up at full speed. The deliveries wait in the database meanwhile: nothing
 * is lost or skipped, it is only later. A flood that lasts holds them to that rate for as long as it
 * lasts: an instance cannot take webhooks at full speed and deliver at the same time; more
 * instances, or some with DELIVERY_WORKER=off, can.
 *
 * Both conditions are needed. The event loop alone cannot tell a flood from a steady load: at a few
 * hundred webhooks a second every request is a batch of its own, so the loop is as busy as in a
 * flood, but each is answered at once and nothing queues. Requests in flight alone would also count
 * webhooks that wait on a slow database, which holding deliveries back would not help. Only webhooks
 * whose body has arrived count (IngestLoad), so holding connections open cannot make an instance yield.
 *
 * The decision (`observe`) is fed one sample at a time, so it is tested with made-up samples; the
 * sampling is a timer that runs while this instance delivers.
 */
@Injectable()
export class IngestPriority implements OnApplicationBootstrap, OnModuleDestroy {
  private yielding = false;
  /** Samples in a row that called for the other state (see SAMPLES_TO_CHANGE). */
  private streak = 0;
  private sampledAt?: number;
  private tokens = 0;
  private refilledAt = 0;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();
  private readonly enabled: boolean;
  private readonly rate: number;
  /** Fewest attempts granted at once while yielding: one sample's worth, so about a claim a sample rather than one per attempt. */
  private readonly burst: number;

  constructor(
    private readonly load: IngestLoad,
    private readonly metrics: DeliveryMetrics,
    @Inject(DELIVERY_CONFIG) config: DeliveryConfig,
  ) {
    this.enabled = config.worker;
    this.rate = config.saturatedRate;
    this.burst = Math.max(1, Math.floor((this.rate * SAMPLE_MS) / 1000));
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    let previous: EventLoopUtilization = performance.eventLoopUtilization();
    this.load.startCounting();
    this.load.averageSinceLastRead();
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, previous);
      previous = now;
      this.observe({ utilization, webhooksInFlight: this.load.averageSinceLastRead() });
    }, SAMPLE_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Whether the instance is yielding to webhooks now. */
  get yieldingToIngest(): boolean {
    return this.yielding;
  }

  /** Called after every sample while yielding, and when yielding ends: the worker claims then. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Takes one sample's verdict. */
  observe(sample: LoadSample, now = performance.now()): void {
    const queueing = sample.webhooksInFlight >= QUEUEING_WEBHOOKS;
    // What this sample calls for: to yield (or go on yielding), or not.
    const wanted = queueing && sample.utilization >= (this.yielding ? RELIEVED_UTILIZATION : SATURATED_UTILIZATION);
    this.streak = wanted === this.yielding ? 0 : this.streak + 1;
    // The time since the previous sample (timers run late on a saturated loop), in the state it was spent in.
    if (this.yielding) this.metrics.yielded((now - (this.sampledAt ?? now - SAMPLE_MS)) / 1000);
    this.sampledAt = now;
    const changed = this.streak >= SAMPLES_TO_CHANGE;
    if (changed) {
      this.yielding = wanted;
      this.streak = 0;
      this.tokens = 0;
      this.refilledAt = now;
    }
    this.metrics.yielding(this.yielding);
    if (this.yielding || changed) for (const listener of this.listeners) listener();
  }

  /**
   * How many attempts may start now: unlimited unless yielding; while yielding, what the
   * DELIVERY_SATURATED_RATE bucket holds (up to two bursts), granted once it holds a burst.
   */
  allowance(now = performance.now()): number {
    if (!this.yielding) return Infinity;
    this.tokens = Math.min(2 * this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
    return this.tokens >= this.burst ? Math.floor(this.tokens) : 0;
  }

  /** `count` attempts started out of the allowance. */
  spend(count: number): void {
    if (this.yielding) this.tokens = Math.max(0, this.tokens - count);
  }
}
