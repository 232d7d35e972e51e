import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { WebhookOutcome } from './webhook-outcome';

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several app instances in one process (tests) do not collide. A vendor module with metrics of its
 * own registers them on `registry`.
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

  private readonly rejectionsUnrecorded = new Counter({
    name: 'webhook_rejections_unrecorded_total',
    help: 'Refused webhook deliveries left out of GET /api/subscriptions/{id}/rejections because too many were waiting to be written (the database slow or down)',
    labelNames: ['vendor'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  webhookAnswered(vendor: string, outcome: WebhookOutcome, seconds: number): void {
    this.webhookRequests.inc({ vendor, outcome });
    this.ingestDuration.observe({ vendor, outcome }, seconds);
  }

  rejectionUnrecorded(vendor: string): void {
    this.rejectionsUnrecorded.inc({ vendor });
  }
}
