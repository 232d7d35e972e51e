import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { Repository } from 'typeorm';
import { MetricsService } from '../../observability/metrics.service';
import { AlertFetchState, InsideViewAlert } from './insideview-alert.entity';

/** InsideView's metrics, on the service's registry: API calls, and the alert queue at scrape time. */
@Injectable()
export class InsideViewMetrics {
  private readonly calls: Counter<'operation' | 'status'>;

  constructor(metrics: MetricsService, @InjectRepository(InsideViewAlert) alerts: Repository<InsideViewAlert>) {
    const registers = [metrics.registry];
    this.calls = new Counter({
      name: 'insideview_api_calls_total',
      help: 'Calls to InsideView’s API by operation and HTTP status (or network_error, timeout)',
      labelNames: ['operation', 'status'] as const,
      registers,
    });
    new Gauge({
      name: 'insideview_alerts',
      help: 'InsideView alerts by fetch state',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const state of Object.values(AlertFetchState)) this.set({ state }, 0);
        const rows: Array<{ state: string; n: number }> = await alerts.query('SELECT state, count(*)::int AS n FROM insideview_alerts GROUP BY state');
        for (const row of rows) this.set({ state: row.state }, row.n);
      },
    });
    new Gauge({
      name: 'insideview_oldest_pending_alert_age_seconds',
      help: 'Age of the oldest alert whose details are not fetched yet (0 when none)',
      registers,
      async collect() {
        const [row]: Array<{ age: number | null }> = await alerts.query(
          `SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age FROM insideview_alerts WHERE state IN ('${AlertFetchState.Pending}', '${AlertFetchState.Fetching}')`,
        );
        this.set(row?.age ?? 0);
      },
    });
  }

  called(operation: string, status: number | 'network_error' | 'timeout'): void {
    this.calls.inc({ operation, status: String(status) });
  }
}
