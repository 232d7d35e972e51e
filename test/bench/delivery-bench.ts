/**
 * The delivery passes of `npm run bench` (issue 13, "Speed"): the gateway pushing events to one fast
 * local consumer, with a zero-loss check after every pass. See BENCHMARKS.md, "Push delivery".
 *
 * - ingest with one destination attached vs without (closed loop, 50 connections; A B alternated);
 * - sustained delivery: N events stored first, then a destination created with `startFrom:
 *   beginning`, timed until the consumer has every one;
 * - ingest-to-delivered latency at a fixed ingest rate (open loop), measured by the consumer as its
 *   arrival time minus the envelope's `receivedAt` (one clock: same machine).
 *
 * Zero-loss check of each pass: every event the filter matches (every stored event: the bench's
 * events are accepted, none is a test) reached the consumer, verified by `standardwebhooks`; no
 * unknown id arrived; its delivery row ended `delivered`; an id received twice is a duplicate,
 * allowed only where the delivery row shows a retry (attempts > 1), and reported.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { metricValue } from '../support/metrics';
import { queryDatabase } from '../support/test-database';
import { buildEvents, type BenchEvent, type BenchSubscription } from './events';
import type { LoadJob } from './load-generator';
import type { ServerProcess } from './servers';

/** What the delivery passes need of the bench. */
export interface DeliveryBenchContext {
  databaseUrl: string;
  apiToken: string;
  /** The subscription whose events are sent (Walnut). */
  subscription: BenchSubscription;
  startGateway(): Promise<ServerProcess>;
  /** One load pass with the ingest zero-loss check; problems empty when it held. */
  ingest(server: ServerProcess, job: Omit<LoadJob, 'host' | 'port' | 'requests'>, events: BenchEvent[]): Promise<{ eventsPerSecond: number; cpuUsPerEvent: number; p50: number; p99: number; problems: string[] }>;
  tag(): string;
  log(line: string): void;
}

export interface DeliveryBenchOptions {
  smoke: boolean;
  /** Events per ingest pass and preloaded for the sustained pass. */
  events: number;
  rounds: number;
  /** Ingest rate of the latency pass, events/s, and for how long. */
  rate: number;
  rateSeconds: number;
  /** The destination's maxConcurrency. */
  maxConcurrency: number;
}

/** The fast local consumer: answers 204 at once, verifies and records each webhook-id. */
class BenchConsumer {
  /** Per webhook-id: how many times it arrived, when first (Date.now()), and its envelope's receivedAt (ms). */
  readonly received = new Map<string, { count: number; at: number; receivedAt: number }>();
  requests = 0;
  unverified = 0;
  lastAt = 0;
  private webhook?: Webhook;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<BenchConsumer> {
    let consumer!: BenchConsumer;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const at = Date.now();
        consumer.record(Buffer.concat(chunks), request.headers, at);
        response.writeHead(204).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    consumer = new BenchConsumer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    return consumer;
  }

  /** A new destination's secret: what every request from now on is verified with; the counts start afresh. */
  reset(secret: string): void {
    this.webhook = new Webhook(secret);
    this.received.clear();
    this.requests = 0;
    this.unverified = 0;
    this.lastAt = 0;
  }

  private record(body: Buffer, headers: IncomingHttpHeaders, at: number): void {
    this.requests += 1;
    this.lastAt = at;
    const id = String(headers['webhook-id']);
    try {
      this.webhook!.verify(body, { 'webhook-id': id, 'webhook-timestamp': String(headers['webhook-timestamp']), 'webhook-signature': String(headers['webhook-signature']) });
    } catch {
      this.unverified += 1;
      return;
    }
    const seen = this.received.get(id);
    if (seen) {
      seen.count += 1;
      return;
    }
    const receivedAt = /"receivedAt":"([^"]+)"/.exec(body.toString('utf8'))?.[1];
    this.received.set(id, { count: 1, at, receivedAt: receivedAt ? Date.parse(receivedAt) : NaN });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The gateway's delivery_yield_seconds_total (see IngestPriority). */
async function yieldSeconds(gateway: ServerProcess): Promise<number> {
  return metricValue(await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text(), 'delivery_yield_seconds_total');
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The outcome of waiting for a pass's deliveries and checking them. */
interface Delivered {
  expected: number;
  /** Distinct ids the consumer received. */
  distinct: number;
  duplicates: number;
  retried: number;
  problems: string[];
}

export class DeliveryBench {
  private readonly lines: string[] = [];
  readonly problems: string[] = [];

  private constructor(
    private readonly context: DeliveryBenchContext,
    private readonly options: DeliveryBenchOptions,
    private readonly consumer: BenchConsumer,
  ) {}

  static async create(context: DeliveryBenchContext, options: DeliveryBenchOptions): Promise<DeliveryBench> {
    return new DeliveryBench(context, options, await BenchConsumer.start());
  }

  /** Every pass, in one fresh gateway process. */
  async run(): Promise<void> {
    const gateway = await this.context.startGateway();
    try {
      await this.ingestWithAndWithout(gateway);
      await this.sustained(gateway);
      await this.latency(gateway);
    } catch (error) {
      this.context.log(gateway.output().slice(-5000));
      throw error;
    } finally {
      await gateway.stop();
      await this.consumer.close();
    }
  }

  /** Every pass starts from no events, no destinations, no deliveries. */
  private async reset(): Promise<void> {
    await queryDatabase(this.context.databaseUrl, 'TRUNCATE webhook_events, insideview_alerts, deliveries, delivery_attempts, destinations');
    await queryDatabase(this.context.databaseUrl, 'CHECKPOINT');
  }

  private async createDestination(gateway: ServerProcess, startFrom: 'now' | 'beginning'): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/api/destinations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.context.apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'bench consumer', url: this.consumer.url, maxConcurrency: this.options.maxConcurrency, startFrom }),
    });
    const created = (await response.json()) as { id?: string; signingSecret?: string };
    if (response.status !== 201) throw new Error(`creating the destination: ${response.status} ${JSON.stringify(created)}`);
    this.consumer.reset(created.signingSecret!);
    return created.id!;
  }

  private events(count: number): BenchEvent[] {
    return buildEvents(this.context.subscription, this.context.tag(), count);
  }

  /**
   * Waits until the consumer has every stored event (or the deadline), then checks: no id missing,
   * none unknown, every request verified, every delivery row `delivered`, duplicates only by retry.
   */
  private async delivered(label: string): Promise<Delivered> {
    const url = this.context.databaseUrl;
    const [{ expected }] = await queryDatabase<{ expected: number }>(url, `SELECT count(*)::int AS expected FROM webhook_events WHERE status = 'accepted' AND NOT is_test`);
    const deadline = Date.now() + (this.options.smoke ? 30_000 : 300_000);
    while (this.consumer.received.size < expected && Date.now() < deadline) await sleep(10);
    await sleep(this.options.smoke ? 300 : 1000); // late duplicates, if any, arrive too
    const problems: string[] = [];
    const ids = await queryDatabase<{ id: string }>(url, `SELECT id::text AS id FROM webhook_events WHERE status = 'accepted' AND NOT is_test`);
    const known = new Set(ids.map((row) => row.id));
    const missing = ids.filter((row) => !this.consumer.received.has(row.id)).length;
    const unknown = [...this.consumer.received.keys()].filter((id) => !known.has(id)).length;
    if (missing > 0) problems.push(`${missing} of ${expected} events never reached the consumer`);
    if (unknown > 0) problems.push(`${unknown} ids the consumer received are not stored events`);
    if (this.consumer.unverified > 0) problems.push(`${this.consumer.unverified} requests failed standardwebhooks verification`);
    const states = await queryDatabase<{ state: string; n: number }>(url, `SELECT state, count(*)::int AS n FROM deliveries GROUP BY state`);
    const delivered = states.find((row) => row.state === 'delivered')?.n ?? 0;
    if (delivered !== expected || states.some((row) => row.state !== 'delivered')) {
      problems.push(`delivery rows: ${states.map((row) => `${row.state} ${row.n}`).join(', ') || 'none'} for ${expected} events`);
    }
    const retries = new Map(
      (await queryDatabase<{ event_id: string; attempts: number }>(url, `SELECT event_id::text AS event_id, attempts FROM deliveries WHERE attempts > 1`)).map((row) => [row.event_id, row.attempts]),
    );
    let duplicates = 0;
    let unexplained = 0;
    for (const [id, seen] of this.consumer.received) {
      if (seen.count === 1) continue;
      duplicates += seen.count - 1;
      if (seen.count > (retries.get(id) ?? 1)) unexplained += 1;
    }
    if (unexplained > 0) problems.push(`${unexplained} events received more often than they were attempted`);
    for (const problem of problems) this.problems.push(`${label}: ${problem}`);
    return { expected, distinct: this.consumer.received.size, duplicates, retried: retries.size, problems };
  }

  /** A target's verdict; the smoke's few events judge nothing but zero loss. */
  private judge(met: boolean): string {
    return this.options.smoke ? 'not judged in the smoke' : met ? 'met' : 'NOT met';
  }

  private loss(result: Delivered, ingestProblems: string[] = []): string {
    const all = [...ingestProblems, ...result.problems];
    return (
      `delivered ${result.distinct}/${result.expected}, duplicates ${result.duplicates} (retried deliveries ${result.retried})` +
      (all.length ? `  LOSS CHECK FAILED: ${all.join('; ')}` : '  ok')
    );
  }

  /** (a) Ingest throughput with one destination attached vs none, A B alternated. */
  private async ingestWithAndWithout(gateway: ServerProcess): Promise<void> {
    const { context, options } = this;
    const closed = { mode: 'closed' as const, connections: 50 };
    if (!options.smoke) {
      // Warm-up (JIT, connection pool) of both sides of the comparison, not counted: without a
      // destination, then with one, its deliveries waited for.
      await this.reset();
      await context.ingest(gateway, closed, this.events(Math.min(3000, options.events)));
      await this.reset();
      await this.createDestination(gateway, 'now');
      await context.ingest(gateway, closed, this.events(Math.min(3000, options.events)));
      await this.delivered('warm-up with a destination');
    }
    const figures = { without: [] as number[], with: [] as number[], cpuWithout: [] as number[], cpuWith: [] as number[], during: [] as number[], catchUp: [] as number[], yielded: [] as number[] };
    for (let round = 1; round <= options.rounds; round++) {
      for (const attached of round % 2 === 1 ? [false, true] : [true, false]) {
        await this.reset();
        if (attached) await this.createDestination(gateway, 'now');
        const yieldedBefore = await yieldSeconds(gateway);
        const ingest = await context.ingest(gateway, closed, this.events(options.events));
        // Deliveries made while the webhooks were being taken, and how long the rest took after.
        const duringPass = this.consumer.received.size;
        const passEnded = Date.now();
        const yielded = (await yieldSeconds(gateway)) - yieldedBefore;
        for (const problem of ingest.problems) this.problems.push(`ingest ${attached ? 'with' : 'without'} a destination: ${problem}`);
        (attached ? figures.with : figures.without).push(ingest.eventsPerSecond);
        (attached ? figures.cpuWith : figures.cpuWithout).push(ingest.cpuUsPerEvent);
        let line = `  delivery  ingest ${attached ? 'with a destination   ' : 'without a destination'} ${ingest.eventsPerSecond.toFixed(0).padStart(6)} ev/s  ${ingest.cpuUsPerEvent.toFixed(0).padStart(4)} µs CPU/ev`;
        if (attached) {
          const result = await this.delivered('ingest with a destination');
          const caughtUp = this.consumer.lastAt > passEnded ? (this.consumer.lastAt - passEnded) / 1000 : 0;
          figures.during.push(duringPass);
          figures.catchUp.push(caughtUp);
          figures.yielded.push(yielded);
          line += `  delivered during the pass ${duringPass}, the rest within ${caughtUp.toFixed(1)} s after; yielded ${yielded.toFixed(1)} s  ${this.loss(result, ingest.problems)}`;
        }
        else line += ingest.problems.length ? `  LOSS CHECK FAILED: ${ingest.problems.join('; ')}` : '  ok';
        context.log(line);
      }
    }
    const ratio = median(figures.with) / median(figures.without);
    this.lines.push(
      `Ingest (Walnut, ${options.events} events per pass, 50 connections, median of ${options.rounds}): without a destination ${median(figures.without).toFixed(0)} ev/s ` +
        `(${median(figures.cpuWithout).toFixed(0)} µs CPU/ev), with one ${median(figures.with).toFixed(0)} ev/s (${median(figures.cpuWith).toFixed(0)} µs CPU/ev, delivery included) → ` +
        `${ratio.toFixed(2)}× (target ≥ 0.9×: ${this.judge(ratio >= 0.9)}); rounds without ${figures.without.map((n) => n.toFixed(0)).join(', ')}, with ${figures.with.map((n) => n.toFixed(0)).join(', ')}; ` +
        `with a destination, delivered during the pass ${figures.during.join(', ')} of ${options.events} (the instance yielded to webhooks ${figures.yielded.map((n) => `${n.toFixed(1)} s`).join(', ')}), ` +
        `the rest delivered within ${figures.catchUp.map((n) => `${n.toFixed(1)} s`).join(', ')} after the pass`,
    );
  }

  /** (b) N stored events, then a destination from the beginning: deliveries/s until the consumer has every one. */
  private async sustained(gateway: ServerProcess): Promise<void> {
    const { context, options } = this;
    await this.reset();
    const ingest = await context.ingest(gateway, { mode: 'closed', connections: 50 }, this.events(options.events));
    for (const problem of ingest.problems) this.problems.push(`sustained, preload: ${problem}`);
    const commits = async () => (await queryDatabase<{ n: string }>(this.context.databaseUrl, 'SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()'))[0].n;
    await sleep(1000); // PostgreSQL publishes a backend's counters at most once a second
    const commitsBefore = Number(await commits());
    const cpuBefore = gateway.cpuMs();
    const started = Date.now();
    await this.createDestination(gateway, 'beginning');
    const result = await this.delivered('sustained delivery');
    const cpuUs = ((gateway.cpuMs() - cpuBefore) * 1000) / Math.max(1, this.consumer.requests);
    // Counted by PostgreSQL over every session (the bench's own checks are a handful); published up to a second late.
    await sleep(1500);
    const transactions = Number(await commits()) - commitsBefore;
    const seconds = (this.consumer.lastAt - started) / 1000;
    const perSecond = result.distinct / seconds;
    const perDelivery = transactions / Math.max(1, result.distinct);
    context.log(
      `  delivery  sustained, ${result.expected} preloaded  ${perSecond.toFixed(0).padStart(6)} deliveries/s  ${cpuUs.toFixed(0)} µs gateway CPU/delivery  ${perDelivery.toFixed(2)} transactions/delivery  ${seconds.toFixed(1)} s  ${this.loss(result, ingest.problems)}`,
    );
    this.lines.push(
      `Sustained delivery (${result.expected} events stored first, destination created with startFrom beginning, maxConcurrency ${options.maxConcurrency}): ` +
        `${result.distinct} delivered in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} deliveries/s (target ≥ 1,000/s: ${this.judge(perSecond >= 1000)}), ` +
        `${cpuUs.toFixed(0)} µs of gateway CPU per delivery, ${perDelivery.toFixed(2)} database transactions per delivery (all sessions), duplicates ${result.duplicates}`,
    );
  }

  /** (c) Ingest at a fixed rate with a destination attached: ingest-to-delivered latency at the consumer. */
  private async latency(gateway: ServerProcess): Promise<void> {
    const { context, options } = this;
    await this.reset();
    await this.createDestination(gateway, 'now');
    const count = Math.max(1, Math.round(options.rate * options.rateSeconds));
    const yieldedBefore = await yieldSeconds(gateway);
    const ingest = await context.ingest(gateway, { mode: 'open', rate: options.rate }, this.events(count));
    const yielded = (await yieldSeconds(gateway)) - yieldedBefore;
    for (const problem of ingest.problems) this.problems.push(`latency pass, ingest: ${problem}`);
    const result = await this.delivered('latency pass');
    const latencies = [...this.consumer.received.values()].map((seen) => seen.at - seen.receivedAt).filter(Number.isFinite).sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const max = latencies[latencies.length - 1] ?? NaN;
    context.log(
      `  delivery  ${options.rate}/s for ${options.rateSeconds} s  ingest-to-delivered p50 ${p50.toFixed(0)} ms  p99 ${p99.toFixed(0)} ms  max ${max.toFixed(0)} ms  ` +
        `(vendor's answer p50 ${ingest.p50.toFixed(1)} ms  p99 ${ingest.p99.toFixed(1)} ms; yielded ${yielded.toFixed(1)} s)  ${this.loss(result, ingest.problems)}`,
    );
    this.lines.push(
      `Ingest-to-delivered latency at ${options.rate} events/s for ${options.rateSeconds} s (maxConcurrency ${options.maxConcurrency}; consumer arrival minus the envelope's receivedAt): ` +
        `p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms over ${latencies.length} events (target p99 ≤ 1 s: ${this.judge(p99 <= 1000)}); meanwhile the vendors' answers took p50 ${ingest.p50.toFixed(1)} ms, p99 ${ingest.p99.toFixed(1)} ms, and the instance yielded to webhooks ${yielded.toFixed(1)} s; duplicates ${result.duplicates}`,
    );
  }

  /** The section of the final report; returns whether every zero-loss check passed. */
  report(log: (line: string) => void): boolean {
    log(`\n## Push delivery to one fast local consumer (node:http answering 204, every request verified with standardwebhooks)\n`);
    for (const line of this.lines) log(`- ${line}`);
    for (const problem of this.problems) log(`PROBLEM: delivery ${problem}`);
    return this.problems.length === 0;
  }
}
