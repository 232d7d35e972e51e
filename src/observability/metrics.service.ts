import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { WebhookOutcome } from './webhook-outcome';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several app instances in one process (tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly webhookRequests = new Counter({
    name: 'webhook_requests_total',
    help: 'Webhook deliveries by vendor and outcome',
    labelNames: ['vendor', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly ingestDuration = new Histogram({
    name: 'webhook_ingest_duration_seconds',
    help: 'Time from receiving a webhook delivery to answering it, by vendor and outcome',
    labelNames: ['vendor', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly insideviewCalls = new Counter({
    name: 'insideview_api_calls_total',
    help: 'Calls to InsideView’s API by operation and HTTP status (or network_error, timeout)',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const query = this.dataSource;
    new Gauge({
      name: 'insideview_alerts',
      help: 'InsideView alerts by fetch state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const state of ['pending', 'fetching', 'fetched', 'failed']) this.set({ state }, 0);
        const rows: Array<{ state: string; n: number }> = await query.query('SELECT state, count(*)::int AS n FROM insideview_alerts GROUP BY state');
        for (const row of rows) this.set({ state: row.state }, row.n);
      },
    });
    new Gauge({
      name: 'insideview_oldest_pending_alert_age_seconds',
      help: 'Age of the oldest alert whose details are not fetched yet (0 when none)',
      registers: [this.registry],
      async collect() {
        const [row]: Array<{ age: number | null }> = await query.query(
          `SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age FROM insideview_alerts WHERE state IN ('pending', 'fetching')`,
        );
        this.set(row?.age ?? 0);
      },
    });
  }

  webhookAnswered(vendor: string, outcome: WebhookOutcome, seconds: number): void {
    this.webhookRequests.inc({ vendor, outcome });
    this.ingestDuration.observe({ vendor, outcome }, seconds);
  }

  insideviewCalled(operation: string, status: number | 'network_error' | 'timeout'): void {
    this.insideviewCalls.inc({ operation, status: String(status) });
  }
}
