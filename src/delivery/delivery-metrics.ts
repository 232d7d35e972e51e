import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/query-rows';
import { MetricsService } from '../observability/metrics.service';
import type { AttemptOutcomeKind } from './delivery-outcome';
import { DeliveryState } from './delivery.entity';

/** How long one count of the pending deliveries serves /metrics scrapes. */
const SNAPSHOT_MAX_AGE_MS = 5000;

/** Delivery metrics on the service's registry: attempts and latency as they happen, the queue as of at most snapshotMaxAgeMs ago. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'destination' | 'outcome'>;
  private readonly latency: Histogram;
  private readonly yieldingGauge: Gauge;
  private readonly yieldSeconds: Counter;
  /** How long one backlog aggregate serves scrapes (a seam for tests). */
  snapshotMaxAgeMs = SNAPSHOT_MAX_AGE_MS;
  private snapshot?: { at: number; rows: Promise<Array<{ destination: string; backlog: number; age: number }>> };

  constructor(metrics: MetricsService, @InjectDataSource() dataSource: DataSource) {
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'delivery_attempts_total',
      help: 'Delivery attempts by destination id and outcome (delivered, retry, failed, gone, throttled; lost: answered after its lease was lost, so nothing recorded)',
      labelNames: ['destination', 'outcome'] as const,
      registers,
    });
    this.latency = new Histogram({
      name: 'delivery_latency_seconds',
      help: 'From receiving an event to its delivery being acknowledged by a destination',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    this.yieldingGauge = new Gauge({
      name: 'delivery_yielding_to_ingest',
      help: '1 while this instance holds its deliveries back to DELIVERY_SATURATED_RATE because webhooks keep its event loop saturated, else 0',
      registers,
    });
    this.yieldSeconds = new Counter({
      name: 'delivery_yield_seconds_total',
      help: 'Seconds this instance has spent holding its deliveries back for webhooks (see delivery_yielding_to_ingest)',
      registers,
    });
    // Both gauges from one aggregate, run at most once per snapshotMaxAgeMs however often (and by
    // however many) the service is scraped: at tens of thousands pending it is not free.
    const read = async () => {
      const now = Date.now();
      if (!this.snapshot || now - this.snapshot.at >= this.snapshotMaxAgeMs) {
        const rows = queryRows<{ destination: string; backlog: number; age: number }>(
          dataSource,
          `SELECT d.id AS destination, count(l.id)::int AS backlog, COALESCE(EXTRACT(EPOCH FROM now() - min(l.created_at)), 0)::float8 AS age
             FROM destinations d LEFT JOIN deliveries l ON l.destination_id = d.id AND l.state = '${DeliveryState.Pending}'
            WHERE d.deleted_at IS NULL GROUP BY d.id`,
        );
        const snapshot = { at: now, rows };
        this.snapshot = snapshot;
        // A failed read (the database down) is not kept: the next scrape tries again.
        rows.catch(() => this.snapshot === snapshot && (this.snapshot = undefined));
      }
      const { at, rows } = this.snapshot;
      // The oldest pending grows older while the snapshot is reused.
      return (await rows).map((row) => ({ ...row, age: row.backlog > 0 ? row.age + (Date.now() - at) / 1000 : 0 }));
    };
    new Gauge({
      name: 'delivery_backlog',
      help: `Deliveries pending per destination id (queued, being attempted, or waiting for a retry), counted at most every ${SNAPSHOT_MAX_AGE_MS / 1000} s`,
      labelNames: ['destination'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await read()) this.set({ destination: row.destination }, row.backlog);
      },
    });
    new Gauge({
      name: 'delivery_oldest_pending_age_seconds',
      help: `Age of the oldest pending delivery per destination id (0 when none), found at most every ${SNAPSHOT_MAX_AGE_MS / 1000} s`,
      labelNames: ['destination'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await read()) this.set({ destination: row.destination }, row.age);
      },
    });
  }

  attempted(destinationId: string, outcome: AttemptOutcomeKind | 'lost'): void {
    this.attempts.inc({ destination: destinationId, outcome });
  }

  /** Whether the instance yields to webhooks now (see IngestPriority). */
  yielding(yielding: boolean): void {
    this.yieldingGauge.set(yielding ? 1 : 0);
  }

  /** `seconds` more spent yielding. */
  yielded(seconds: number): void {
    this.yieldSeconds.inc(seconds);
  }

  delivered(eventReceivedAt: Date): void {
    this.latency.observe(Math.max(0, (Date.now() - eventReceivedAt.getTime()) / 1000));
  }
}
