/**
 * The payload-search pass of `npm run bench` ("Find an event by what it contains"): N events stored
 * at once with SQL (the vendors' documented samples, every identifying field made distinct, spread
 * over the bench's subscriptions), ANALYZEd, then `GET /api/events?payload=…` timed through the
 * gateway's HTTP API (the production build), one request at a time, for searches that match 1,
 * about 10 and about 100 events, one with other filters, one with no match, and (informative) one
 * that a quarter of the events match. Target (full run, 1,000,000 events): p95 ≤ 50 ms for each
 * judged search. With --search-embedded (and in --smoke) the same on the embedded database, loaded
 * without ANALYZE as an embedded database in use is. See BENCHMARKS.md, "Payload search".
 *
 * Every answer is checked: 200, exactly the expected number of events, each containing the search.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS } from '../../src/vendors/vendors';
import { freePort } from '../support/gateway-process';
import { productionNodeArgs } from '../support/paths';
import { INSIDEVIEW_DOCUMENTED_SAMPLE } from '../../src/vendors/insideview/insideview.sample';
import { INSIGHTARC_DOCUMENTED_SAMPLE } from '../../src/vendors/insightarc/insightarc.sample';
import { VISITOR_TRACKING_DOCUMENTED_SAMPLE } from '../../src/vendors/visitor-tracking/visitor-tracking.sample';
import { WALNUT_DOCUMENTED_SAMPLE } from '../../src/vendors/walnut/walnut.sample';
import type { BenchSubscription, Vendor } from './events';
import { startServer, type ServerProcess } from './servers';

export interface PayloadSearchContext {
  databaseUrl: string;
  apiToken: string;
  subscription(vendor: Vendor): BenchSubscription;
  startGateway(): Promise<ServerProcess>;
  log(line: string): void;
}

export interface PayloadSearchOptions {
  smoke: boolean;
  /** Events stored before the searches. */
  events: number;
  /** Timed requests per search. */
  requests: number;
  /** Also on the embedded database (PGlite), whose load takes minutes at 1,000,000 events. */
  embedded: boolean;
}

type Database = 'PostgreSQL' | 'embedded';

/** p95 target of a search returning at most 100 events, ms. */
const TARGET_P95_MS = 50;
/** Rows per INSERT: one transaction each, so the load never holds one for minutes. */
const BATCH = 100_000;

/** Every 4th event is Walnut's; among them a user email repeats every 10th, a demo id every 100th. */
const walnutRows = (events: number) => Math.ceil(events / 4);

interface Search {
  name: string;
  query: Record<string, string>;
  /** Expected matches: the count the answer must hold. */
  expected: number;
  judged: boolean;
}

interface SearchFigures {
  database: Database;
  search: Search;
  p50: number;
  p95: number;
  p99: number;
  problems: string[];
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class PayloadSearchBench {
  private results: SearchFigures[] = [];
  private readonly loads: Array<{ database: Database; seconds: number; indexMb: number }> = [];

  constructor(
    private readonly context: PayloadSearchContext,
    private readonly options: PayloadSearchOptions,
  ) {}

  async run(): Promise<void> {
    const { log } = this.context;
    log(`\npayload search: loading ${this.options.events.toLocaleString('en')} events into PostgreSQL`);
    let started = performance.now();
    const indexMb = await this.loadPostgres();
    this.loaded('PostgreSQL', started, indexMb);
    const gateway = await this.context.startGateway();
    try {
      await this.timeAll('PostgreSQL', gateway);
    } finally {
      await gateway.stop();
      await this.empty();
    }
    if (!this.options.embedded) return;
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-search-'));
    try {
      log(`\npayload search: loading ${this.options.events.toLocaleString('en')} events into the embedded database`);
      started = performance.now();
      this.loaded('embedded', started, await loadEmbedded(dataDir, this.options.events));
      const embedded = await this.startEmbeddedGateway(dataDir);
      try {
        await this.timeAll('embedded', embedded);
      } finally {
        await embedded.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  private loaded(database: Database, started: number, indexMb: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.loads.push({ database, seconds, indexMb });
    this.context.log(`  loaded${database === 'embedded' ? ' (no ANALYZE)' : ' and analysed'} in ${seconds.toFixed(0)} s; GIN index ${indexMb.toFixed(0)} MB`);
  }

  private async timeAll(database: Database, gateway: ServerProcess): Promise<void> {
    const base = `http://127.0.0.1:${gateway.port}`;
    for (const search of this.searches()) {
      const figures = await this.time(database, base, search);
      this.results.push(figures);
      this.context.log(`  ${search.name.padEnd(44)} p50 ${figures.p50.toFixed(1)} ms  p95 ${figures.p95.toFixed(1)} ms  p99 ${figures.p99.toFixed(1)} ms${figures.problems.length ? `  PROBLEMS: ${figures.problems.slice(0, 3).join('; ')}` : ''}`);
    }
  }

  /** The gateway (production build) on the embedded database in `dataDir`. */
  private async startEmbeddedGateway(dataDir: string): Promise<ServerProcess> {
    const port = await freePort();
    return startServer('gateway (embedded database)', 'src/main.js', port, {
      SECRETS_KEY: randomBytes(32).toString('base64'),
      API_TOKENS: this.context.apiToken,
      API_RATE_LIMIT: '1000000',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    }, productionNodeArgs());
  }

  /** Leaves the event table as the passes after this one expect it: empty. */
  private async empty(): Promise<void> {
    const client = new Client({ connectionString: this.context.databaseUrl });
    await client.connect();
    try {
      await client.query('TRUNCATE webhook_events CASCADE');
    } finally {
      await client.end();
    }
  }

  /** The section of the final report; whether every answer was right (timings are shown against the target, never judged by the exit code). */
  report(log: (line: string) => void): boolean {
    log(`\npayload search over ${this.options.events.toLocaleString('en')} stored events (${this.options.requests} requests each, one at a time)`);
    for (const { database, seconds, indexMb } of this.loads) log(`  ${database}: stored${database === 'embedded' ? ' (no ANALYZE)' : ' and analysed'} in ${seconds.toFixed(0)} s, GIN index ${indexMb.toFixed(0)} MB`);
    let ok = true;
    for (const { database, search, p50, p95, p99, problems } of this.results) {
      const slow = search.judged && !this.options.smoke && p95 > TARGET_P95_MS;
      ok = ok && problems.length === 0;
      const verdict = problems.length > 0 ? 'WRONG ANSWERS' : !search.judged || this.options.smoke ? '' : slow ? `over the target (p95 ≤ ${TARGET_P95_MS} ms)` : 'target met';
      log(`  ${database.padEnd(10)} ${search.name.padEnd(40)} p50 ${p50.toFixed(1).padStart(6)}  p95 ${p95.toFixed(1).padStart(6)}  p99 ${p99.toFixed(1).padStart(6)} ms  ${verdict}`);
    }
    return ok;
  }

  private searches(): Search[] {
    const walnut = walnutRows(this.options.events);
    const pick = (modulo: number) => Math.floor(modulo / 2);
    const sessionOf = (n: number) => `session-${n}`;
    const payload = (value: object) => JSON.stringify(value);
    return [
      { name: 'session id (1 event)', query: { payload: payload({ data: { session_id: sessionOf(Math.floor(walnut / 2)) } }) }, expected: 1, judged: true },
      {
        name: 'user email (10 events)',
        query: { payload: payload({ data: { user: { email: `user-${pick(walnut / 10)}@example.com` } } }) },
        expected: Math.floor(walnut / 10) > 0 ? 10 : 0,
        judged: true,
      },
      { name: 'demo id (100 events)', query: { payload: payload({ data: { demo: { id: `demo-${pick(walnut / 100)}` } } }), limit: '100' }, expected: 100, judged: true },
      {
        name: 'demo id + vendor + since (100 events)',
        query: { payload: payload({ data: { demo: { id: `demo-${pick(walnut / 100) + 1}` } } }), vendor: 'walnut', since: '2020-01-01T00:00:00Z', limit: '100' },
        expected: 100,
        judged: true,
      },
      { name: 'no match', query: { payload: payload({ data: { session_id: 'no-such-session' } }) }, expected: 0, judged: true },
      // Informative: a search a quarter of the events match (a first page of 100 of them), and the feed without a search.
      { name: 'event type, first page (1 in 4 match)', query: { payload: payload({ event: 'demo_session_finished' }), limit: '100' }, expected: 100, judged: false },
      { name: 'no search: feed, first page (100 events)', query: { vendor: 'walnut', limit: '100' }, expected: 100, judged: false },
    ];
  }

  private async time(database: Database, base: string, search: Search): Promise<SearchFigures> {
    const problems: string[] = [];
    const durations: number[] = [];
    const url = `${base}/api/events?${new URLSearchParams(search.query)}`;
    const headers = { Authorization: `Bearer ${this.context.apiToken}` };
    const contained = JSON.parse(search.query.payload ?? '{}') as object;
    // Two untimed requests first: connections and plans warm, as in steady use.
    for (let i = 0; i < this.options.requests + 2; i++) {
      const started = performance.now();
      const response = await fetch(url, { headers });
      const body = (await response.json()) as { data?: Array<{ payload: unknown }> };
      const took = performance.now() - started;
      if (i >= 2) durations.push(took);
      if (response.status !== 200 || !Array.isArray(body.data)) {
        problems.push(`answered ${response.status}`);
        continue;
      }
      if (body.data.length !== search.expected) problems.push(`${body.data.length} events, expected ${search.expected}`);
      if (!body.data.every((event) => contains(event.payload, contained))) problems.push('an event that does not contain the search');
    }
    durations.sort((a, b) => a - b);
    return { database, search, p50: percentile(durations, 50), p95: percentile(durations, 95), p99: percentile(durations, 99), problems: [...new Set(problems)] };
  }

  /**
   * The events, stored with SQL in batches: event n is Walnut's when n % 4 = 0 (session `session-<w>`,
   * user `user-<w % (W/10)>@example.com`, demo `demo-<w % (W/100)>`, w = n / 4, W Walnut's count),
   * else InsightArc's, a visit, or an InsideView alert, each with its own distinct ids.
   */
  private async loadPostgres(): Promise<number> {
    const client = new Client({ connectionString: this.context.databaseUrl });
    await client.connect();
    try {
      const subscriptions = (['walnut', 'insightarc', 'visitor-tracking', 'insideview'] as const).map((vendor) => this.context.subscription(vendor).id);
      return await loadSearchEvents((sql, params) => client.query(sql, params).then((result) => result.rows), this.options.events, subscriptions);
    } finally {
      await client.end();
    }
  }
}

/** A fresh embedded database in `dataDir`, migrated and loaded (events without subscriptions: none exist there), not analysed. */
async function loadEmbedded(dataDir: string, events: number): Promise<number> {
  // Quiet: the app's logger would print each batch as a slow query.
  const dataSource = new DataSource({ ...buildDataSourceOptions({ dataDir }, definitionsOf(VENDORS)), logging: false, logger: 'simple-console', maxQueryExecutionTime: undefined });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
    // Not analysed: PGlite starts no autovacuum worker, so an embedded database in use has no statistics either.
    return await loadSearchEvents((sql, params) => dataSource.query(sql, params), events, [null, null, null, null], false);
  } finally {
    await dataSource.destroy();
  }
}

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Stores `events` events with SQL in batches (see PayloadSearchBench.load), the four vendors' in turn
 * with `subscriptions` (ids, or nulls), then ANALYZE; returns the size of the payload index in MB.
 * Event n is Walnut's when n % 4 = 0: session `session-<w>`, user `user-<w % (W/10)>@example.com`,
 * demo `demo-<w % (W/100)>` (w = n / 4, W Walnut's count); the others each have their own distinct ids.
 */
export async function loadSearchEvents(query: Query, events: number, subscriptions: Array<string | null>, analyze = true): Promise<number> {
  // The bench database is the run's own: what earlier passes stored would only blur the counts.
  await query('TRUNCATE webhook_events CASCADE');
  const walnut = walnutRows(events);
  const emails = Math.max(1, Math.floor(walnut / 10));
  const demos = Math.max(1, Math.floor(walnut / 100));
  const samples = [
    JSON.stringify(WALNUT_DOCUMENTED_SAMPLE),
    JSON.stringify(INSIGHTARC_DOCUMENTED_SAMPLE),
    JSON.stringify(VISITOR_TRACKING_DOCUMENTED_SAMPLE),
    JSON.stringify(INSIDEVIEW_DOCUMENTED_SAMPLE),
  ];
  for (let from = 0; from < events; from += BATCH) {
    const to = Math.min(events, from + BATCH) - 1;
    await query(
      `INSERT INTO webhook_events
         (subscription_id, vendor, event_type, dedupe_key, status, occurred_at, received_at, payload, raw_body, created_xid)
       SELECT (ARRAY[$3, $4, $5, $6]::uuid[])[v + 1], (ARRAY['walnut', 'insightarc', 'visitor-tracking', 'insideview'])[v + 1],
              (ARRAY['demo_session_finished', 'drop_alert', 'NEW_VISIT', 'ALERT'])[v + 1], 'bench-' || n, 'accepted',
              at, at, p, convert_to(p::text, 'UTF8'), pg_current_xact_id()::text::bigint
         FROM (SELECT n, n % 4 AS v, n / 4 AS w, timestamptz '2025-01-01' + n * interval '1 second' AS at FROM generate_series($1::int, $2::int) n) s,
              LATERAL (SELECT CASE v
                WHEN 0 THEN jsonb_set(jsonb_set(jsonb_set($7::jsonb,
                              '{data,session_id}', to_jsonb('session-' || w)),
                              '{data,user,email}', to_jsonb('user-' || (w % $11) || '@example.com')),
                              '{data,demo,id}', to_jsonb('demo-' || (w % $12)))
                WHEN 1 THEN jsonb_set($8::jsonb, '{relevant_events}', jsonb_build_array(jsonb_build_object('name', 'https://example.com/checkout/' || n)))
                WHEN 2 THEN jsonb_set(jsonb_set($9::jsonb, '{id}', to_jsonb('visit-' || n)), '{visitor,id}', to_jsonb('visitor-' || n))
                ELSE jsonb_set($10::jsonb, '{alertId}', to_jsonb('alert' || n))
              END AS p) payloads`,
      [from, to, ...subscriptions, ...samples, emails, demos],
    );
  }
  if (analyze) await query('ANALYZE webhook_events');
  const [row] = await query(`SELECT pg_relation_size('"IDX_webhook_events_payload"') AS bytes`);
  return Number(row.bytes) / 1024 / 1024;
}

/** jsonb `@>` in JS, enough for the bench's searches (objects of strings). */
function contains(value: unknown, search: unknown): boolean {
  if (typeof search !== 'object' || search === null) return value === search;
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(search).every(([key, child]) => contains((value as Record<string, unknown>)[key], child));
}
