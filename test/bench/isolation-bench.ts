/**
 * The isolation pass of `npm run bench` (issue 19, item 1): how much of their delivery rate two
 * healthy destinations keep when ten destinations whose consumers never answer share the instance.
 * See BENCHMARKS.md, "Isolation".
 *
 * Each side starts from N stored events and a fresh gateway (default settings: DELIVERY_CONCURRENCY
 * 100; destinations with the API's defaults, maxConcurrency 10 and timeout 15 s):
 * - solo: two healthy destinations created with `startFrom: beginning`, timed until each consumer
 *   has every event;
 * - beside hung ones: ten destinations whose consumer never answers, and once their backlog is queued
 *   (the fan-out's work is not what is measured) and their first attempts hang, the same two healthy ones.
 * The ratio is the healthy destinations' rate beside the hung ones over their rate alone, over the
 * whole pass and in its worst 10-second window against the same window alone (the first minute
 * included: the hung destinations' attempts start a few seconds before the healthy ones' and time
 * out 15 s later; both sides warm up alike in their first window).
 *
 * Zero-loss check: each healthy consumer received every stored event, verified by `standardwebhooks`,
 * and each of the healthy destinations' delivery rows ended `delivered`; the hung destinations' rows
 * are all still there, pending or failed, none delivered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { queryDatabase } from '../support/test-database';
import { buildEvents } from './events';
import type { DeliveryBenchContext } from './delivery-bench';
import type { ServerProcess } from './servers';

export interface IsolationBenchOptions {
  smoke: boolean;
  /** Events stored before each side. */
  events: number;
}

const HUNG = 10;
const HEALTHY = 2;
const WINDOW_MS = 10_000;

/** A consumer that answers 204 at once, verifies every request and notes when each id first came. */
class FastConsumer {
  readonly arrivals = new Map<string, number>();
  unverified = 0;
  private webhook?: Webhook;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FastConsumer> {
    let consumer!: FastConsumer;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const id = String(request.headers['webhook-id']);
        try {
          consumer.webhook!.verify(Buffer.concat(chunks), {
            'webhook-id': id,
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          });
          if (!consumer.arrivals.has(id)) consumer.arrivals.set(id, Date.now());
        } catch {
          consumer.unverified += 1;
        }
        response.writeHead(204).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    consumer = new FastConsumer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    return consumer;
  }

  reset(secret: string): void {
    this.webhook = new Webhook(secret);
    this.arrivals.clear();
    this.unverified = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A consumer that reads each request and never answers. */
async function startHungServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request) => request.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One side's figures: each healthy destination's rate, and the worst 10-second window's. */
interface Side {
  perDestination: number[];
  seconds: number;
  /** Deliveries per second per healthy destination in each full window, the slower of the two. */
  windows: number[];
  problems: string[];
}

export class IsolationBench {
  readonly problems: string[] = [];
  private readonly lines: string[] = [];

  constructor(
    private readonly context: DeliveryBenchContext,
    private readonly options: IsolationBenchOptions,
  ) {}

  async run(): Promise<void> {
    const healthy = await Promise.all(Array.from({ length: HEALTHY }, () => FastConsumer.start()));
    const hung = await Promise.all(Array.from({ length: HUNG }, () => startHungServer()));
    try {
      const solo = await this.side('solo', healthy, []);
      const beside = await this.side('beside 10 hung', healthy, hung);
      const rate = (side: Side) => side.perDestination.reduce((a, b) => a + b, 0) / side.perDestination.length;
      const ratio = rate(beside) / rate(solo);
      const compared = Math.min(beside.windows.length, solo.windows.length);
      const worst = compared ? Math.min(...beside.windows.slice(0, compared).map((n, i) => n / solo.windows[i])) : ratio;
      const met = ratio >= 0.8 && worst >= 0.8;
      const verdict = this.options.smoke ? 'not judged in the smoke' : met ? 'met' : 'NOT met';
      this.lines.push(
        `Isolation (${this.options.events} events stored first; ${HEALTHY} healthy destinations, default settings, DELIVERY_CONCURRENCY 100): ` +
          `alone ${solo.perDestination.map((n) => n.toFixed(0)).join(' and ')} deliveries/s each (${solo.seconds.toFixed(1)} s); ` +
          `beside ${HUNG} destinations that never answer ${beside.perDestination.map((n) => n.toFixed(0)).join(' and ')} deliveries/s each (${beside.seconds.toFixed(1)} s) → ` +
          `${ratio.toFixed(2)}×, worst 10-s window ${worst.toFixed(2)}× of the same window alone (windows alone ${solo.windows.map((n) => n.toFixed(0)).join(', ')}/s, beside ${beside.windows.map((n) => n.toFixed(0)).join(', ')}/s) ` +
          `(target ≥ 0.8× from the first minute on: ${verdict}); lost 0 of the healthy ones' ${HEALTHY * this.options.events} deliveries` +
          (solo.problems.length + beside.problems.length ? ' — LOSS CHECK FAILED' : ''),
      );
    } finally {
      for (const consumer of healthy) await consumer.close();
      for (const server of hung) await server.close();
    }
  }

  private async side(label: string, healthy: FastConsumer[], hung: Array<{ url: string }>): Promise<Side> {
    const { context, options } = this;
    const gateway = await context.startGateway();
    try {
      await queryDatabase(context.databaseUrl, 'TRUNCATE webhook_events, insideview_alerts, deliveries, delivery_attempts, destinations');
      const ingest = await context.ingest(gateway, { mode: 'closed', connections: 50 }, buildEvents(context.subscription, context.tag(), options.events));
      const problems = ingest.problems.map((problem) => `isolation ${label}, preload: ${problem}`);
      await queryDatabase(context.databaseUrl, 'CHECKPOINT');
      const hungIds: string[] = [];
      for (const [n, server] of hung.entries()) hungIds.push((await this.createDestination(gateway, `hung ${n + 1}`, server.url)).id);
      if (hung.length) {
        // The hung destinations' backlog is queued (the fan-out's work, not what is measured here)
        // and their first attempts are hanging when the healthy ones are created.
        const queued = async () => (await queryDatabase<{ n: number }>(context.databaseUrl, 'SELECT count(*)::int AS n FROM deliveries'))[0].n;
        while ((await queued()) < hung.length * options.events) await sleep(100);
      }
      const started = Date.now();
      const healthyIds: string[] = [];
      for (const [n, consumer] of healthy.entries()) {
        const created = await this.createDestination(gateway, `healthy ${n + 1}`, consumer.url);
        consumer.reset(created.signingSecret);
        healthyIds.push(created.id);
      }
      const deadline = Date.now() + (options.smoke ? 60_000 : 600_000);
      while (healthy.some((consumer) => consumer.arrivals.size < options.events) && Date.now() < deadline) await sleep(20);
      const perDestination = healthy.map((consumer) => consumer.arrivals.size / ((Math.max(...consumer.arrivals.values()) - started) / 1000));
      const seconds = (Math.max(...healthy.flatMap((consumer) => [...consumer.arrivals.values()])) - started) / 1000;
      const windows: number[] = [];
      for (let from = started; from + WINDOW_MS <= started + seconds * 1000; from += WINDOW_MS) {
        const counts = healthy.map((consumer) => [...consumer.arrivals.values()].filter((at) => at >= from && at < from + WINDOW_MS).length);
        windows.push(Math.min(...counts) / (WINDOW_MS / 1000));
      }
      problems.push(...(await this.check(label, healthy, healthyIds, hungIds)));
      this.problems.push(...problems);
      context.log(
        `  isolation ${label.padEnd(15)} ${perDestination.map((n) => n.toFixed(0).padStart(5)).join(' ')} deliveries/s per healthy destination  ${seconds.toFixed(1)} s  ` +
          `10-s windows ${windows.map((n) => n.toFixed(0)).join(', ') || '-'}  ${problems.length ? `LOSS CHECK FAILED: ${problems.join('; ')}` : 'ok'}`,
      );
      return { perDestination, seconds, windows: windows.length ? windows : [Math.min(...perDestination)], problems };
    } catch (error) {
      context.log(gateway.output().slice(-5000));
      throw error;
    } finally {
      await gateway.stop();
    }
  }

  private async createDestination(gateway: ServerProcess, name: string, url: string): Promise<{ id: string; signingSecret: string }> {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/api/destinations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.context.apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, url, startFrom: 'beginning' }),
    });
    const created = (await response.json()) as { id?: string; signingSecret?: string };
    if (response.status !== 201) throw new Error(`creating destination ${name}: ${response.status} ${JSON.stringify(created)}`);
    return { id: created.id!, signingSecret: created.signingSecret! };
  }

  /** Every stored event reached each healthy consumer and is `delivered` there; the hung ones' rows are all kept. */
  private async check(label: string, healthy: FastConsumer[], healthyIds: string[], hungIds: string[]): Promise<string[]> {
    const url = this.context.databaseUrl;
    const problems: string[] = [];
    const ids = (await queryDatabase<{ id: string }>(url, `SELECT id::text AS id FROM webhook_events WHERE status = 'accepted' AND NOT is_test`)).map((row) => row.id);
    for (const [n, consumer] of healthy.entries()) {
      const missing = ids.filter((id) => !consumer.arrivals.has(id)).length;
      if (missing) problems.push(`${missing} of ${ids.length} events never reached healthy consumer ${n + 1}`);
      if (consumer.unverified) problems.push(`${consumer.unverified} requests to healthy consumer ${n + 1} failed verification`);
    }
    await sleep(500); // the last outcomes are written in the next tick
    const rows = await queryDatabase<{ healthy: boolean; state: string; n: number }>(
      url,
      `SELECT destination_id = ANY($1::uuid[]) AS healthy, state, count(*)::int AS n FROM deliveries GROUP BY 1, 2`,
      [healthyIds],
    );
    const delivered = rows.find((row) => row.healthy && row.state === 'delivered')?.n ?? 0;
    if (delivered !== ids.length * healthyIds.length || rows.some((row) => row.healthy && row.state !== 'delivered')) {
      problems.push(`healthy delivery rows: ${rows.filter((row) => row.healthy).map((row) => `${row.state} ${row.n}`).join(', ')} for ${ids.length * healthyIds.length}`);
    }
    const hungRows = rows.filter((row) => !row.healthy).reduce((sum, row) => sum + row.n, 0);
    if (hungRows !== ids.length * hungIds.length || rows.some((row) => !row.healthy && row.state === 'delivered')) {
      problems.push(`hung delivery rows: ${rows.filter((row) => !row.healthy).map((row) => `${row.state} ${row.n}`).join(', ')} for ${ids.length * hungIds.length}`);
    }
    return problems.map((problem) => `isolation ${label}: ${problem}`);
  }

  report(log: (line: string) => void): boolean {
    log(`\n## Isolation: healthy destinations beside hung ones\n`);
    for (const line of this.lines) log(`- ${line}`);
    for (const problem of this.problems) log(`PROBLEM: ${problem}`);
    return this.problems.length === 0;
  }
}
