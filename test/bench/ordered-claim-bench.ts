/**
 * The ordered-claim pass of `npm run bench` (issue 19, item 4): how long the worker's claim statement
 * takes for a destination with ordering `subscription` and a backlog of N pending deliveries (default
 * 100,000). See BENCHMARKS.md, "Ordered claim".
 *
 * The backlog is written straight into the tables (N events of the bench's Walnut subscription and a
 * delivery of each to one destination, as the fan-out writes them), since ingesting 100,000 events
 * would measure ingest; the destination is created through the API. Then the claim is run as the
 * worker runs it (src/delivery/delivery-claim.ts, the same function): in a transaction, the
 * destination row locked first, the statement leasing at most 100, rolled back so that each run
 * finds the same backlog; timed from this process over one connection, many times, median and p99.
 * A last run is committed and its lease checked: exactly the head of the line, the backlog's first event.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { claimStatement } from '../../src/delivery/delivery-claim';
import type { DeliveryBenchContext } from './delivery-bench';

export interface OrderedClaimBenchOptions {
  smoke: boolean;
  backlog: number;
}

const RUNS = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class OrderedClaimBench {
  readonly problems: string[] = [];
  private readonly lines: string[] = [];

  constructor(
    private readonly context: DeliveryBenchContext,
    private readonly options: OrderedClaimBenchOptions,
  ) {}

  async run(): Promise<void> {
    const { context, options } = this;
    const gateway = await context.startGateway();
    const client = new Client({ connectionString: context.databaseUrl });
    await client.connect();
    try {
      await client.query('TRUNCATE webhook_events, insideview_alerts, deliveries, delivery_attempts, destinations');
      const response = await fetch(`http://127.0.0.1:${gateway.port}/api/destinations`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${context.apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'ordered', url: 'http://127.0.0.1:9/hooks', ordering: 'subscription', startFrom: 'now' }),
      });
      const created = (await response.json()) as { id?: string };
      if (response.status !== 201) throw new Error(`creating the destination: ${response.status} ${JSON.stringify(created)}`);
      const destinationId = created.id!;
      // The gateway stops before the backlog is written: its fan-out would queue the same events, and
      // its worker would claim what is timed here.
      await gateway.stop();
      const started = performance.now();
      await client.query(
        `INSERT INTO webhook_events (subscription_id, vendor, event_type, dedupe_key, status, headers, payload, raw_body, is_test, created_xid)
         SELECT $1, 'walnut', 'demo_session_finished', 'ordered-' || n, 'accepted', '{}', jsonb_build_object('n', n), convert_to('{"n":' || n || '}', 'UTF8'), false, pg_current_xact_id()::text::bigint
           FROM generate_series(1, $2::int) n`,
        [context.subscription.id, options.backlog],
      );
      await client.query(
        `INSERT INTO deliveries (destination_id, event_id, subscription_id, event_xid)
         SELECT $1, e.id, e.subscription_id, e.created_xid FROM webhook_events e ORDER BY e.id`,
        [destinationId],
      );
      await client.query('ANALYZE deliveries');
      await client.query('ANALYZE webhook_events');
      const loaded = (performance.now() - started) / 1000;
      const statement = claimStatement(true);
      const claimOnce = async (commit: boolean): Promise<{ ms: number; ids: string[] }> => {
        await client.query('BEGIN');
        await client.query(`SELECT id, ordering FROM destinations WHERE id = $1 AND status = 'active' AND deleted_at IS NULL FOR UPDATE SKIP LOCKED`, [destinationId]);
        const at = performance.now();
        const { rows } = await client.query<{ event_id: string }>(statement, [destinationId, 100, 'bench', 60]);
        const ms = performance.now() - at;
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        return { ms, ids: rows.map((row) => String(row.event_id)) };
      };
      for (let n = 0; n < 10; n++) await claimOnce(false); // warm-up: plans and buffers
      const times: number[] = [];
      for (let n = 0; n < (options.smoke ? 20 : RUNS); n++) times.push((await claimOnce(false)).ms);
      times.sort((a, b) => a - b);
      const last = await claimOnce(true);
      const [{ first }] = (await client.query<{ first: string }>(`SELECT min(id)::text AS first FROM webhook_events`)).rows;
      if (last.ids.length !== 1 || last.ids[0] !== first) this.problems.push(`ordered claim: leased ${JSON.stringify(last.ids)}, expected exactly the head ${first}`);
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      const verdict = this.options.smoke ? 'not judged in the smoke' : p99 <= 10 ? 'met' : 'NOT met';
      context.log(`  ordered claim at ${options.backlog} pending  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  max ${times[times.length - 1].toFixed(2)} ms  (backlog written in ${loaded.toFixed(1)} s)  ${this.problems.length ? this.problems.join('; ') : 'ok'}`);
      this.lines.push(
        `Ordered claim (ordering subscription, ${options.backlog} pending deliveries of one subscription, the claim statement as the worker runs it, ${times.length} runs): ` +
          `p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms (target ≤ 10 ms: ${verdict}); it leased the head of the line and nothing else`,
      );
    } finally {
      await client.end();
      await gateway.stop();
    }
  }

  report(log: (line: string) => void): boolean {
    log(`\n## Ordered claim at a large backlog\n`);
    for (const line of this.lines) log(`- ${line}`);
    for (const problem of this.problems) log(`PROBLEM: ${problem}`);
    return this.problems.length === 0;
  }
}
