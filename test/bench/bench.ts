/**
 * `npm run bench`: the gateway against a bare node:http reference server doing the same work, side
 * by side in one run, on the real PostgreSQL, with nothing lost. See BENCHMARKS.md.
 *
 *   npm run bench                     the full run (about 10 minutes)
 *   npm run bench -- --smoke          a few hundred events per vendor, zero-loss checks only (CI)
 *   options: --events N (per pass, default 20000)  --rounds N (A B pairs, default 2)
 *            --vendors walnut,insightarc,...  --rate N (fixed rate, default 1000)  --rate-seconds N (default 10)
 *            --no-nodb  --nodb-only  --no-fetch  --profile DIR (gateway under --cpu-prof in round 1, profiles in DIR)
 *            --no-delivery  --delivery-only  --delivery-rate N (latency pass, default 500)  --max-concurrency N (destination's, default 50)
 *            --no-search  --search-only  --search-events N (stored for the payload search pass, default 1000000)
 *            --search-embedded (that pass on the embedded database too: its load takes minutes; always in --smoke)
 *            --no-startup  --startup-only  --startup-runs N (start-up time and idle memory, startup-bench.ts; default 3)
 *            --no-isolation  --isolation-only  --isolation-events N (isolation pass, default 12000)
 *            --ordered-backlog N (ordered-claim pass, default 100000)
 *   the no-database rounds also measure floor-server.ts (one NestJS route, same verify + validate) on
 *   Express, and on Fastify when @nestjs/platform-fastify is installed (npm i --no-save …)
 *   environment: DATABASE_URL (the server to create the bench database on), BENCH_GATEWAY_NODE_ARGS
 *            (node flags for the gateway after those of `npm run start:prod`, which it always gets)
 *
 * Each round starts the gateway (the production build, `dist/src/main.js`, logs at warn) and then
 * the reference, each as a fresh process, on one fresh database (same server, same settings,
 * synchronous_commit on), and for each vendor runs: 50 connections over N distinct events; 50
 * connections over N events of which 10% are repeats; a fixed 1,000 events/s. Before every pass the
 * event table is emptied and a CHECKPOINT is taken, so both sides start from the same state. After
 * every pass the zero-loss check: every request answered 2xx, the answered event ids are exactly the
 * stored rows, one row per distinct event, and each repeat told `duplicate: true` with its event's id.
 * Then the push-delivery passes (delivery-bench.ts): ingest with a destination vs without, sustained
 * delivery, ingest-to-delivered latency, each with its own zero-loss check; then the isolation pass
 * (isolation-bench.ts): two healthy destinations alone, then beside ten that never answer; and the
 * ordered-claim pass (ordered-claim-bench.ts): the claim's time at a large `ordering: subscription` backlog.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ALERT_DETAILS_EVENT_TYPE } from '../../src/vendors/insideview/alert-details-event';
import { FakeInsideView } from '../fakes/fake-insideview';
import { freePort } from '../support/gateway-process';
import { alertIdOf, buildEvents, delivery, rawRequest, VENDORS, type BenchEvent, type BenchSubscription, type Vendor } from './events';
import type { LoadJob, LoadResult } from './load-generator';
import { productionNodeArgs } from '../support/paths';
import { DeliveryBench, type DeliveryBenchContext } from './delivery-bench';
import { IsolationBench } from './isolation-bench';
import { OrderedClaimBench } from './ordered-claim-bench';
import { PayloadSearchBench } from './payload-search-bench';
import { startServer, type ServerProcess } from './servers';
import { runStartupBench } from './startup-bench';

interface Options {
  smoke: boolean;
  events: number;
  rounds: number;
  vendors: Vendor[];
  rate: number;
  rateSeconds: number;
  nodb: boolean;
  /** false with --nodb-only: only the no-database mode (for profiling the framework). */
  dbPasses: boolean;
  fetch: boolean;
  profileDir?: string;
  /** The push-delivery passes (delivery-bench.ts). */
  delivery: boolean;
  deliveryRate: number;
  maxConcurrency: number;
  /** The payload-search pass (payload-search-bench.ts) and the events it stores first. */
  search: boolean;
  searchEvents: number;
  searchEmbedded: boolean;
  /** The start-up pass (startup-bench.ts): 'only' with --startup-only. */
  startup: boolean | 'only';
  startupRuns: number;
  /** The isolation pass (isolation-bench.ts), and the events stored before each of its sides. */
  isolation: boolean;
  isolationEvents: number;
  orderedBacklog: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  };
  const smoke = argv.includes('--smoke');
  const isolationOnly = argv.includes('--isolation-only');
  const deliveryOnly = argv.includes('--delivery-only') || isolationOnly;
  const searchOnly = argv.includes('--search-only');
  const vendors = (value('vendors')?.split(',') ?? [...VENDORS]) as Vendor[];
  for (const vendor of vendors) if (!VENDORS.includes(vendor)) throw new Error(`Unknown vendor ${vendor}`);
  return {
    smoke,
    events: Number(value('events') ?? (smoke ? 300 : 20_000)),
    rounds: Number(value('rounds') ?? (smoke ? 1 : 2)),
    vendors,
    rate: Number(value('rate') ?? 1000),
    rateSeconds: Number(value('rate-seconds') ?? (smoke ? 0.3 : 10)),
    nodb: !smoke && !deliveryOnly && !searchOnly && !argv.includes('--no-nodb'),
    dbPasses: !deliveryOnly && !searchOnly && !argv.includes('--nodb-only'),
    fetch: !deliveryOnly && !searchOnly && !argv.includes('--no-fetch'),
    profileDir: value('profile') ? resolve(value('profile')!) : undefined,
    delivery: !searchOnly && !argv.includes('--no-delivery') && !argv.includes('--nodb-only') && !isolationOnly,
    deliveryRate: Number(value('delivery-rate') ?? 500),
    maxConcurrency: Number(value('max-concurrency') ?? 50),
    search: !deliveryOnly && !argv.includes('--no-search') && !argv.includes('--nodb-only'),
    searchEvents: Number(value('search-events') ?? (smoke ? 10_000 : 1_000_000)),
    searchEmbedded: smoke || argv.includes('--search-embedded'),
    startup: argv.includes('--startup-only') ? 'only' : !deliveryOnly && !searchOnly && !argv.includes('--no-startup'),
    startupRuns: Number(value('startup-runs') ?? 3),
    isolation: isolationOnly || (!searchOnly && !argv.includes('--no-isolation') && !argv.includes('--no-delivery') && !argv.includes('--nodb-only')),
    isolationEvents: Number(value('isolation-events') ?? (smoke ? 200 : 12_000)),
    orderedBacklog: Number(value('ordered-backlog') ?? (smoke ? 2_000 : 100_000)),
  };
}

const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const API_TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');

// ------------------------------------------------------------------ database

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_gw_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withClient(BASE_DATABASE_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withClient(BASE_DATABASE_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

// ------------------------------------------------------------------ load

class LoadGenerator {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(join(__dirname, 'load-generator.js'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error('the load generator exited'));
      this.child.once('exit', onExit);
      this.child.once('message', (result: LoadResult) => {
        this.child.off('exit', onExit);
        resolve(result);
      });
      this.child.send(job);
    });
  }

  stop(): void {
    this.child.kill();
  }
}

// ------------------------------------------------------------------ checks

interface PassOutcome {
  eventsPerSecond: number;
  /** The server process's CPU time per request (user + system), in microseconds: robust to a busy machine. */
  cpuUsPerEvent: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  ok2xx: number;
  stored: number;
  distinct: number;
  duplicatesAnswered: number;
  problems: string[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The zero-loss check of one pass: every request 2xx; the answered event ids are exactly the rows
 * stored for the subscription, one per distinct event; per event, one answer `duplicate: false` and
 * every other answer `duplicate: true` with the same event id. Rows of `derivedEventType` (events the
 * gateway records itself) are not the pass's.
 */
async function check(databaseUrl: string | undefined, subscription: BenchSubscription, events: BenchEvent[], result: LoadResult, derivedEventType?: string): Promise<PassOutcome> {
  const problems: string[] = [];
  let ok2xx = 0;
  let duplicatesAnswered = 0;
  const statuses = new Map<number, number>();
  const byKey = new Map<string, { ids: Set<string>; originals: number }>();
  events.forEach((event, index) => {
    const status = result.statuses[index];
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status < 200 || status > 299) return;
    ok2xx += 1;
    if (result.duplicates[index]) duplicatesAnswered += 1;
    let entry = byKey.get(event.key);
    if (!entry) byKey.set(event.key, (entry = { ids: new Set(), originals: 0 }));
    entry.ids.add(result.eventIds[index]);
    if (!result.duplicates[index]) entry.originals += 1;
  });
  const distinct = new Set(events.map((event) => event.key)).size;
  if (ok2xx !== events.length) {
    problems.push(`${events.length - ok2xx} of ${events.length} not answered 2xx (${[...statuses].map(([s, n]) => `${s || 'no answer'}×${n}`).join(', ')})`);
  }
  let badAnswers = 0;
  for (const entry of byKey.values()) if (entry.ids.size !== 1 || entry.originals !== 1) badAnswers += 1;
  if (badAnswers > 0) problems.push(`${badAnswers} events not answered exactly once as new with one event id`);
  let stored = ok2xx;
  if (databaseUrl) {
    const answeredIds = [...new Set([...byKey.values()].flatMap((entry) => [...entry.ids]))].filter((id) => /^\d+$/.test(id));
    const counts = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query(
        `SELECT count(*)::int AS stored, count(*) FILTER (WHERE id = ANY($2::bigint[]))::int AS answered
           FROM webhook_events WHERE subscription_id = $1 AND ($3::text IS NULL OR event_type IS DISTINCT FROM $3)`,
        [subscription.id, answeredIds, derivedEventType ?? null],
      );
      return rows[0] as { stored: number; answered: number };
    });
    stored = counts.stored;
    if (counts.stored !== distinct) problems.push(`${counts.stored} rows stored for ${distinct} distinct events`);
    if (counts.answered !== byKey.size || answeredIds.length !== byKey.size) {
      problems.push(`${byKey.size} events acknowledged, ${counts.answered} of their ids stored`);
    }
  }
  const sorted = Float64Array.from(result.latencies).sort();
  return {
    eventsPerSecond: (events.length / result.durationMs) * 1000,
    cpuUsPerEvent: NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    requests: events.length,
    ok2xx,
    stored,
    distinct,
    duplicatesAnswered,
    problems,
  };
}

// ------------------------------------------------------------------ the run

type Side = 'gateway' | 'reference';

const FLOOR_PLATFORMS = ['express', 'fastify'] as const;
type FloorPlatform = (typeof FLOOR_PLATFORMS)[number];

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

interface VendorFigures {
  throughput: number[];
  cpuUs: number[];
  nodbCpuUs: number[];
  repeatsThroughput: number[];
  p50: number[];
  p99: number[];
  rss: number[];
  nodbThroughput: number[];
  problems: string[];
  passes: number;
  requests: number;
}

function emptyFigures(): VendorFigures {
  return { throughput: [], cpuUs: [], nodbCpuUs: [], repeatsThroughput: [], p50: [], p99: [], rss: [], nodbThroughput: [], problems: [], passes: 0, requests: 0 };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

class Bench {
  private readonly figures: Record<Side, Record<string, VendorFigures>> = { gateway: {}, reference: {} };
  private readonly load = new LoadGenerator();
  private subscriptions: BenchSubscription[] = [];
  private fetchReport?: string;
  /** The framework floor (walnut, no database), per platform: events/s and CPU µs per event of each round. */
  private readonly floors = new Map<FloorPlatform, { throughput: number[]; cpuUs: number[] } | 'not installed'>();
  private passCounter = 0;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));

  constructor(
    private readonly options: Options,
    private readonly databaseUrl: string,
    private readonly fake: FakeInsideView,
  ) {
    for (const side of ['gateway', 'reference'] as Side[]) for (const vendor of options.vendors) this.figures[side][vendor] = emptyFigures();
  }

  log(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  private gatewayEnv(port: number): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      SECRETS_KEY,
      API_TOKENS: API_TOKEN,
      // The payload-search pass reads the API back to back, faster than the default limit per minute.
      API_RATE_LIMIT: '1000000',
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      INSIDEVIEW_API_URL: this.fake.apiUrl,
      INSIDEVIEW_TOKEN_URL: this.fake.tokenUrl,
      INSIDEVIEW_CLIENT_ID: this.fake.clientId,
      INSIDEVIEW_CLIENT_SECRET: this.fake.clientSecret,
    };
  }

  async startGateway(noDb = false, profile = false): Promise<ServerProcess> {
    const port = await freePort();
    const nodeArgs = productionNodeArgs();
    if (profile && this.options.profileDir) {
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${this.options.profileDir}`, `--cpu-prof-name=gateway-${noDb ? 'nodb' : 'db'}-${Date.now()}.cpuprofile`);
    }
    if (process.env.BENCH_GATEWAY_NODE_ARGS) nodeArgs.push(...process.env.BENCH_GATEWAY_NODE_ARGS.split(' '));
    return startServer(noDb ? 'gateway (no database)' : 'gateway', noDb ? 'test/bench/gateway-nodb.js' : 'src/main.js', port, this.gatewayEnv(port), nodeArgs);
  }

  private async startReference(noDb = false): Promise<ServerProcess> {
    const port = await freePort();
    return startServer(noDb ? 'reference (no database)' : 'reference', 'test/bench/reference-server.js', port, {
      DATABASE_URL: this.databaseUrl,
      BENCH_SUBSCRIPTIONS: JSON.stringify(this.subscriptions),
      ...(noDb && { NO_DB: '1' }),
    });
  }

  /** Starts the gateway once to run the migrations and create one subscription per vendor through its API. */
  async setUp(): Promise<void> {
    const gateway = await this.startGateway();
    try {
      const base = `http://127.0.0.1:${gateway.port}`;
      const bodies: Record<Vendor, Record<string, unknown>> = {
        walnut: { vendor: 'walnut', name: 'bench walnut' },
        insightarc: { vendor: 'insightarc', name: 'bench insightarc', secret: randomBytes(24).toString('hex') },
        'visitor-tracking': { vendor: 'visitor-tracking', name: 'bench visits', eventTypes: ['NEW_VISIT'] },
        insideview: { vendor: 'insideview', name: 'bench insideview', insideview: { subscriptionType: 'company', companyIds: ['1001'], frequency: 'DAILY' } },
      };
      for (const vendor of VENDORS) {
        const response = await fetch(`${base}/api/subscriptions`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(bodies[vendor]),
        });
        const created = (await response.json()) as Record<string, unknown>;
        if (response.status !== 201) throw new Error(`creating the ${vendor} subscription: ${response.status} ${JSON.stringify(created)}`);
        this.subscriptions.push({
          id: String(created.id),
          vendor,
          secret: String(created.secret ?? bodies[vendor].secret),
          callbackUrl: String(created.callbackUrl),
          vendorRef: (created.vendorRef as string | null) ?? null,
          eventTypes: (created.eventTypes as string[]) ?? [],
        });
      }
    } finally {
      await gateway.stop();
    }
  }

  subscription(vendor: Vendor): BenchSubscription {
    return this.subscriptions.find((subscription) => subscription.vendor === vendor)!;
  }

  /** Both sides start every pass from the same state: an empty event table and a fresh checkpoint. */
  private async reset(): Promise<void> {
    await withClient(this.databaseUrl, async (client) => {
      // The delivery tables reference the events (and hold nothing outside the delivery passes).
      await client.query('TRUNCATE webhook_events, insideview_alerts, deliveries, delivery_attempts');
      await client.query('CHECKPOINT');
    });
  }

  tag(): string {
    this.passCounter += 1;
    return `p${this.passCounter}r${randomBytes(2).toString('hex')}`;
  }

  /** One load pass and its zero-loss check; `stored`: on the database, from an empty event table unless `reset` is false. */
  async pass(server: ServerProcess, vendor: Vendor, job: Omit<LoadJob, 'host' | 'port' | 'requests'>, events: BenchEvent[], stored: boolean, reset = stored): Promise<PassOutcome> {
    if (reset) await this.reset();
    const cpuBefore = server.cpuMs();
    const result = await this.load.run({ ...job, host: '127.0.0.1', port: server.port, requests: events.map((event) => event.request) });
    const ended = server.exit();
    if (ended) {
      throw new Error(`${server.name} exited (${ended.signal ?? `code ${ended.code}`}) during a ${vendor} pass; its last output:\n${server.output().slice(-5000)}`);
    }
    const cpuUsPerEvent = ((server.cpuMs() - cpuBefore) * 1000) / events.length;
    return { ...(await check(stored ? this.databaseUrl : undefined, this.subscription(vendor), events, result)), cpuUsPerEvent };
  }

  private record(side: Side, vendor: Vendor, label: string, outcome: PassOutcome): void {
    const figures = this.figures[side][vendor];
    figures.passes += 1;
    figures.requests += outcome.requests;
    for (const problem of outcome.problems) figures.problems.push(`${label}: ${problem}`);
    this.log(
      `  ${side.padEnd(9)} ${vendor.padEnd(16)} ${label.padEnd(14)} ${outcome.eventsPerSecond.toFixed(0).padStart(6)} ev/s  ${outcome.cpuUsPerEvent.toFixed(0).padStart(4)} µs CPU/ev  p50 ${outcome.p50.toFixed(1)} ms  p99 ${outcome.p99.toFixed(1)} ms` +
        `  2xx ${outcome.ok2xx}/${outcome.requests}  stored ${outcome.stored}/${outcome.distinct}  dup ${outcome.duplicatesAnswered}` +
        (outcome.problems.length ? `  LOSS CHECK FAILED: ${outcome.problems.join('; ')}` : '  ok'),
    );
  }

  /** One side's passes over every vendor, in a fresh process. */
  async runSide(side: Side, round: number): Promise<void> {
    const server = side === 'gateway' ? await this.startGateway(false, round === 1) : await this.startReference();
    try {
      if (side === 'gateway') await this.parkFetchJob();
      for (const vendor of this.options.vendors) {
        const subscription = this.subscription(vendor);
        const figures = this.figures[side][vendor];
        if (!this.options.smoke) {
          // Warm-up (JIT, connection pool), not counted.
          await this.pass(server, vendor, { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), Math.min(3000, this.options.events)), true);
        }
        server.resetPeak();
        const distinct = await this.pass(server, vendor, { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), this.options.events), true);
        this.record(side, vendor, 'distinct', distinct);
        figures.throughput.push(distinct.eventsPerSecond);
        figures.cpuUs.push(distinct.cpuUsPerEvent);
        const repeats = await this.pass(server, vendor, { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), this.options.events, 0.1), true);
        this.record(side, vendor, '10% repeats', repeats);
        figures.repeatsThroughput.push(repeats.eventsPerSecond);
        const fixedCount = Math.max(1, Math.round(this.options.rate * this.options.rateSeconds));
        const fixed = await this.pass(server, vendor, { mode: 'open', rate: this.options.rate }, buildEvents(subscription, this.tag(), fixedCount), true);
        this.record(side, vendor, `${this.options.rate}/s fixed`, fixed);
        figures.p50.push(fixed.p50);
        figures.p99.push(fixed.p99);
        figures.rss.push(server.peakRssMb());
      }
    } catch (error) {
      this.log(server.output().slice(-5000));
      throw error;
    } finally {
      await server.stop();
    }
  }

  /** The no-database mode: verify + validate only, both sides, closed loop at 50 connections. */
  async runNoDb(side: Side, round: number): Promise<void> {
    const server = side === 'gateway' ? await this.startGateway(true, round === 1) : await this.startReference(true);
    try {
      for (const vendor of this.options.vendors) {
        const subscription = this.subscription(vendor);
        await this.pass(server, vendor, { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), Math.min(3000, this.options.events)), false);
        const outcome = await this.pass(server, vendor, { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), this.options.events), false);
        // Nothing is stored: only "every request 2xx" applies.
        outcome.problems = outcome.problems.filter((problem) => problem.includes('2xx'));
        this.record(side, vendor, 'no database', outcome);
        this.figures[side][vendor].nodbThroughput.push(outcome.eventsPerSecond);
        this.figures[side][vendor].nodbCpuUs.push(outcome.cpuUsPerEvent);
      }
    } finally {
      await server.stop();
    }
  }

  /**
   * The framework's floor next to the no-database mode: floor-server.ts (one NestJS route with the
   * same verify + validate, nothing else) on Express and, when it is installed, on Fastify, with
   * the Walnut events of the other no-database passes.
   */
  async runFloor(): Promise<void> {
    if (!this.options.vendors.includes('walnut')) return;
    for (const platform of FLOOR_PLATFORMS) {
      if (platform === 'fastify' && !installed('@nestjs/platform-fastify')) {
        this.floors.set(platform, 'not installed');
        continue;
      }
      const port = await freePort();
      // With the gateway's node flags, so the difference between the two is the gateway's own work.
      const server = await startServer(
        `floor (NestJS on ${platform})`,
        'test/bench/floor-server.js',
        port,
        { BENCH_SUBSCRIPTIONS: JSON.stringify(this.subscriptions), FLOOR_PLATFORM: platform },
        productionNodeArgs(),
      );
      try {
        const subscription = this.subscription('walnut');
        await this.pass(server, 'walnut', { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), Math.min(3000, this.options.events)), false);
        const outcome = await this.pass(server, 'walnut', { mode: 'closed', connections: 50 }, buildEvents(subscription, this.tag(), this.options.events), false);
        const figures = this.floors.get(platform);
        const kept = figures && figures !== 'not installed' ? figures : { throughput: [], cpuUs: [] };
        kept.throughput.push(outcome.eventsPerSecond);
        kept.cpuUs.push(outcome.cpuUsPerEvent);
        this.floors.set(platform, kept);
        this.log(
          `  floor     walnut           NestJS+${platform.padEnd(7)} ${outcome.eventsPerSecond.toFixed(0).padStart(6)} ev/s  ${outcome.cpuUsPerEvent.toFixed(0).padStart(4)} µs CPU/ev  2xx ${outcome.ok2xx}/${outcome.requests}`,
        );
        if (outcome.ok2xx !== outcome.requests) throw new Error(`the ${platform} floor server refused requests:\n${server.output().slice(-3000)}`);
      } finally {
        await server.stop();
      }
    }
  }

  /**
   * During the webhook passes the InsideView fetch job is parked (the fake answers its first fetch
   * 429 with an hour's Retry-After), so it does not compete with the ingest being measured; its own
   * throughput is measured by runFetch(), in a process of its own.
   */
  private async parkFetchJob(): Promise<void> {
    this.fake.clearFailures();
    this.fake.fail({ path: /\/alert\//, status: 429, retryAfter: 3600, times: Infinity });
  }

  /** The InsideView fetch job at `rate` alerts/s, each with 3 pages of details at the fake. */
  async runFetch(rate: number, seconds: number): Promise<void> {
    this.fake.clearFailures();
    await withClient(this.databaseUrl, (client) => client.query('TRUNCATE webhook_events, insideview_alerts, deliveries, delivery_attempts; DELETE FROM vendor_throttles'));
    const subscription = this.subscription('insideview');
    const count = Math.max(1, Math.round(rate * seconds));
    const tag = this.tag();
    for (let n = 0; n < count; n++) {
      const ids = Array.from({ length: 30 }, (_, i) => String(100_000 + n * 30 + i));
      this.fake.setAlert(subscription.vendorRef!, alertIdOf(tag, n), { pages: [ids.slice(0, 10), ids.slice(10, 20), ids.slice(20)] });
    }
    const path = `/webhooks/insideview/${subscription.id}`;
    const events = Array.from({ length: count }, (_, n) => {
      const { body, headers } = delivery(subscription, tag, n);
      return { key: `${tag}-${n}`, request: rawRequest(path, body, headers) };
    });
    const gateway = await this.startGateway();
    const callsBefore = this.fake.requests.length;
    try {
      let maxBacklog = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const backlog = await withClient(this.databaseUrl, async (client) => {
            const { rows } = await client.query(`SELECT count(*) FILTER (WHERE state IN ('pending', 'fetching'))::int AS n FROM insideview_alerts`);
            return rows[0].n as number;
          });
          maxBacklog = Math.max(maxBacklog, backlog);
          await sleep(200);
        }
      })();
      const started = Date.now();
      const result = await this.load.run({ host: '127.0.0.1', port: gateway.port, mode: 'open', rate, requests: events.map((event) => event.request) });
      const sentFor = (Date.now() - started) / 1000;
      // The gateway records each fetched alert's details as an event of its own: not a notification.
      const ingest = await check(this.databaseUrl, subscription, events, result, ALERT_DETAILS_EVENT_TYPE);
      const deadline = Date.now() + 120_000;
      let done: { fetched: number; failed: number; open: number; p50: number; p99: number; last: number };
      for (;;) {
        done = await withClient(this.databaseUrl, async (client) => {
          const { rows } = await client.query(`
            SELECT count(*) FILTER (WHERE state = 'fetched')::int AS fetched,
                   count(*) FILTER (WHERE state = 'failed')::int AS failed,
                   count(*) FILTER (WHERE state IN ('pending', 'fetching'))::int AS open,
                   COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM fetched_at - created_at)), 0)::float8 AS p50,
                   COALESCE(percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM fetched_at - created_at)), 0)::float8 AS p99,
                   COALESCE(EXTRACT(EPOCH FROM max(fetched_at) - min(created_at)), 0)::float8 AS last
              FROM insideview_alerts`);
          return rows[0];
        });
        if (done.open === 0 || Date.now() > deadline) break;
        await sleep(250);
      }
      sampling = false;
      await sampler;
      const pages = this.fake.requests.slice(callsBefore).filter((request) => request.path.includes('/alert/')).length;
      const keptUp = done.fetched === count && done.failed === 0 && done.last <= seconds + 5;
      this.fetchReport =
        `InsideView fetch job, ${rate} alerts/s for ${sentFor.toFixed(1)} s (${count} alerts × 3 pages at the fake): ` +
        `${done.fetched}/${count} fetched, ${done.failed} failed, all done ${done.last.toFixed(1)} s after the first arrived ` +
        `(${(done.fetched / Math.max(done.last, 0.001)).toFixed(0)} alerts/s), alert-to-details p50 ${(done.p50 * 1000).toFixed(0)} ms / p99 ${(done.p99 * 1000).toFixed(0)} ms, ` +
        `largest backlog ${maxBacklog}, ${pages} page calls; ingest 2xx ${ingest.ok2xx}/${count}` +
        (ingest.problems.length ? `, LOSS CHECK FAILED: ${ingest.problems.join('; ')}` : '') +
        ` → ${keptUp ? 'keeps up' : 'DOES NOT keep up'}`;
      this.log(`  ${this.fetchReport}`);
      if (!keptUp || ingest.problems.length > 0) this.figures.gateway.insideview?.problems.push(`fetch job: ${this.fetchReport}`);
    } finally {
      await gateway.stop();
    }
  }

  /** The results table; returns whether every zero-loss check passed. */
  report(): boolean {
    const { vendors } = this.options;
    const g = this.figures.gateway;
    const r = this.figures.reference;
    const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
    const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
    const rows: string[][] = [
      ['vendor', 'gateway ev/s', 'reference ev/s', 'ratio', 'server CPU µs/ev gw/ref', '10% repeats gw/ref', 'ratio', 'p50/p99 @1000/s gw', 'p50/p99 @1000/s ref', 'peak RSS gw/ref', 'zero-loss gw/ref'],
    ];
    for (const vendor of vendors) {
      const loss = (figures: VendorFigures) => (figures.problems.length === 0 ? `ok (${figures.requests} req)` : 'FAILED');
      rows.push([
        vendor,
        fmt(median(g[vendor].throughput)),
        fmt(median(r[vendor].throughput)),
        ratio(median(g[vendor].throughput), median(r[vendor].throughput)),
        `${fmt(median(g[vendor].cpuUs))}/${fmt(median(r[vendor].cpuUs))}`,
        `${fmt(median(g[vendor].repeatsThroughput))}/${fmt(median(r[vendor].repeatsThroughput))}`,
        ratio(median(g[vendor].repeatsThroughput), median(r[vendor].repeatsThroughput)),
        `${fmt(median(g[vendor].p50), 1)}/${fmt(median(g[vendor].p99), 1)} ms`,
        `${fmt(median(r[vendor].p50), 1)}/${fmt(median(r[vendor].p99), 1)} ms`,
        `${fmt(Math.max(...g[vendor].rss))}/${fmt(Math.max(...r[vendor].rss))} MB`,
        `${loss(g[vendor])} / ${loss(r[vendor])}`,
      ]);
    }
    const table = (lines: string[][]) => {
      const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
      const row = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
      return [row(lines[0]), row(widths.map((width) => '-'.repeat(width))), ...lines.slice(1).map(row)].join('\n');
    };
    if (this.options.dbPasses) {
      this.log(`\n## Webhook ingest on PostgreSQL (median of ${this.options.rounds} round(s), A B alternated; ${this.options.events} events per pass, 50 connections)\n`);
      this.log(table(rows));
    }
    if (this.options.nodb) {
      const nodb: string[][] = [['vendor', 'gateway ev/s', 'reference ev/s', 'ratio', 'server CPU µs/ev gw/ref']];
      for (const vendor of vendors) {
        nodb.push([
          vendor,
          fmt(median(g[vendor].nodbThroughput)),
          fmt(median(r[vendor].nodbThroughput)),
          ratio(median(g[vendor].nodbThroughput), median(r[vendor].nodbThroughput)),
          `${fmt(median(g[vendor].nodbCpuUs))}/${fmt(median(r[vendor].nodbCpuUs))}`,
        ]);
      }
      this.log(`\n## No database: verify + validate only (framework overhead; median of ${this.options.rounds})\n`);
      this.log(table(nodb));
      if (this.floors.size > 0 && g.walnut) {
        const floor: string[][] = [['walnut, no database', 'ev/s', 'server CPU µs/ev']];
        floor.push(['reference (node:http)', fmt(median(r.walnut.nodbThroughput)), fmt(median(r.walnut.nodbCpuUs))]);
        for (const [platform, figures] of this.floors) {
          const name = `NestJS on ${platform === 'express' ? 'Express' : 'Fastify'}, one route`;
          if (figures === 'not installed') floor.push([name, 'not measured: npm i --no-save @nestjs/platform-fastify@12', '']);
          else floor.push([name, fmt(median(figures.throughput)), fmt(median(figures.cpuUs))]);
        }
        floor.push(['gateway', fmt(median(g.walnut.nodbThroughput)), fmt(median(g.walnut.nodbCpuUs))]);
        this.log(`\n## The framework's floor: one NestJS route with the same verify + validate (median of ${this.options.rounds})\n`);
        this.log(table(floor));
      }
    }
    if (this.fetchReport) this.log(`\n## ${this.fetchReport}\n`);
    const problems = [...Object.values(g), ...Object.values(r)].flatMap((figures) => figures.problems);
    for (const problem of problems) this.log(`PROBLEM: ${problem}`);
    return problems.length === 0;
  }

  close(): void {
    this.load.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function machine(): string {
  const cpu = cpus();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, node ${process.version}, ${kernel}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // First, on a quiet machine: each start is alone. With --startup-only, nothing else.
  if (options.startup) process.stdout.write('start-up and memory (startup-bench.ts)\n');
  const startup = options.startup
    ? await runStartupBench({ smoke: options.smoke, runs: options.startupRuns, createDatabase }, (line) => process.stdout.write(`${line}\n`))
    : undefined;
  if (options.startup === 'only') return void process.stdout.write(`\n${startup}`);
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const started = Date.now();
  const database = await createDatabase();
  const fake = await FakeInsideView.start();
  const bench = new Bench(options, database.url, fake);
  let ok = false;
  const interrupted = () => {
    void database.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    const version = await withClient(database.url, async (client) => {
      const { rows } = await client.query(`SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s, current_setting('shared_buffers') AS b`);
      return rows[0] as { v: string; s: string; b: string };
    });
    process.stdout.write(
      `# gateway benchmark${options.smoke ? ' (smoke)' : ''}\n${machine()}\nPostgreSQL ${version.v} (synchronous_commit ${version.s}, shared_buffers ${version.b}); load average before: ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`,
    );
    await bench.setUp();
    for (let round = 1; round <= (options.dbPasses ? options.rounds : 0); round++) {
      process.stdout.write(`\nround ${round}/${options.rounds}\n`);
      await bench.runSide('gateway', round);
      await bench.runSide('reference', round);
    }
    if (options.nodb) {
      for (let round = 1; round <= options.rounds; round++) {
        process.stdout.write(`\nno-database round ${round}/${options.rounds}\n`);
        await bench.runNoDb('gateway', round);
        await bench.runNoDb('reference', round);
        await bench.runFloor();
      }
    }
    // The smoke runs the floor server too (every request must be answered 2xx), so it cannot rot.
    if (options.smoke) await bench.runFloor();
    if (options.fetch && options.vendors.includes('insideview')) {
      process.stdout.write('\nInsideView fetch job\n');
      await bench.runFetch(100, options.smoke ? 0.2 : 10);
    }
    let delivery: DeliveryBench | undefined;
    const deliveryContext: DeliveryBenchContext = {
      databaseUrl: database.url,
      apiToken: API_TOKEN,
      subscription: bench.subscription('walnut'),
      startGateway: () => bench.startGateway(),
      ingest: (server, job, events) => bench.pass(server, 'walnut', job, events, true, false),
      tag: () => bench.tag(),
      log: (line) => bench.log(line),
    };
    if (options.delivery) {
      process.stdout.write(`\npush delivery (load average before: ${loadavg().map((n) => n.toFixed(2)).join(' ')})\n`);
      delivery = await DeliveryBench.create(
        deliveryContext,
        {
          smoke: options.smoke,
          events: options.events,
          rounds: options.rounds,
          rate: options.deliveryRate,
          rateSeconds: options.rateSeconds,
          maxConcurrency: options.maxConcurrency,
        },
      );
      await delivery.run();
    }
    let isolation: IsolationBench | undefined;
    if (options.isolation) {
      process.stdout.write(`\nisolation (load average before: ${loadavg().map((n) => n.toFixed(2)).join(' ')})\n`);
      isolation = new IsolationBench(deliveryContext, { smoke: options.smoke, events: options.isolationEvents });
      await isolation.run();
    }
    let orderedClaim: OrderedClaimBench | undefined;
    if (options.isolation) {
      orderedClaim = new OrderedClaimBench(deliveryContext, { smoke: options.smoke, backlog: options.orderedBacklog });
      await orderedClaim.run();
    }
    let search: PayloadSearchBench | undefined;
    if (options.search) {
      search = new PayloadSearchBench(
        { databaseUrl: database.url, apiToken: API_TOKEN, subscription: (vendor) => bench.subscription(vendor), startGateway: () => bench.startGateway(), log: (line) => bench.log(line) },
        { smoke: options.smoke, events: options.searchEvents, requests: options.smoke ? 20 : 200, embedded: options.searchEmbedded },
      );
      await search.run();
    }
    if (startup) bench.log(`\n${startup}`);
    ok = bench.report();
    if (delivery) ok = delivery.report((line) => bench.log(line)) && ok;
    if (isolation) ok = isolation.report((line) => bench.log(line)) && ok;
    if (orderedClaim) ok = orderedClaim.report((line) => bench.log(line)) && ok;
    if (search) ok = search.report((line) => bench.log(line)) && ok;
    process.stdout.write(`\nload average after: ${loadavg().map((n) => n.toFixed(2)).join(' ')}; took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    process.stdout.write(ok ? 'zero-loss: every check passed\n' : 'zero-loss: FAILED\n');
  } finally {
    bench.close();
    await fake.close();
    await database.drop();
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
