/**
 * npm run forward -- --to <local URL> [options]
 *
 * For local development: tails a gateway's event feed (GET /api/events) and POSTs each event, signed
 * as deliveries to destinations are (Standard Webhooks, the envelope format), to a local URL. Its
 * position in the feed is kept in a file and moved past an event only once the target answered 2xx,
 * so a forwarder stopped (or a target down) resumes where it stopped: no event is skipped, and only the
 * one in flight at a stop can arrive twice. Exit code 0 when stopped by SIGINT/SIGTERM, 1 when the
 * gateway refuses it for good (token, cursor), 2 on a usage error.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { backoffWithJitter } from '../common/backoff';
import { envelopeBody, envelopeType, type EnvelopeSource } from '../delivery/delivery-envelope';
import { retryAfter } from '../common/capped-request';
import { generateSigningSecret, signatureHeaders } from '../delivery/delivery-signer';
import { definitionsOf } from '../vendors/vendor-definition';
import { VENDORS } from '../vendors/vendors';
import { describeRequestError, sendRequest, type RawAnswer } from '../webhooks/sample-sender';
import { dataDir, findApiToken } from './gateway-files';

const VENDOR_NAMES = definitionsOf(VENDORS).map((vendor) => vendor.name);

const USAGE = `Usage: npm run forward -- --to <URL> [options]

  --to URL            where to POST each event, e.g. http://localhost:4000/hooks
  --vendor V          only this vendor's events: ${VENDOR_NAMES.join(' | ')}
  --gateway URL       the gateway (default http://localhost:3000)
  --from now|beginning
                      where a new state file starts: at the end of the feed (default) or its first event;
                      an existing state file always resumes where it stopped
  --state-file FILE   where the position is kept (default DATA_DIR/forward-cursor, DATA_DIR defaulting
                      to ./data as for the gateway; a ./.forward-cursor from an earlier version is resumed)
  --token-file FILE   the API token's file (default: env API_TOKEN, else DATA_DIR/api-token, DATA_DIR
                      defaulting to ./data as for the gateway). Never a token on the command line
  --poll MS           how often an idle feed is read again (default 1000)
  --timeout MS        per request, answer included (default 10000)

The signing secret is FORWARD_SECRET (whsec_…), else one generated once and kept in <state file>.secret.`;

const DEFAULT_GATEWAY = 'http://localhost:3000';
const PAGE_SIZE = 100;
/** The most of a feed page that is read; a longer page is asked again with fewer events. */
const FEED_ANSWER_CAP = 32 * 1024 * 1024;
/** The most of the target's answer that is read (it is only printed). */
const TARGET_ANSWER_CAP = 4 * 1024;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** A refusal that retrying will not change: printed, exit code 1. */
class FatalError extends Error {}

interface FeedPage {
  data: Array<EnvelopeSource & { id: string }>;
  nextCursor: string | null;
  hasMore: boolean;
}

/**
 * The position in the feed: the cursor a page was read from, and the last event of that page the
 * target accepted (the feed never changes the order of what it has served, so re-reading from the
 * cursor finds it again). The API gives a cursor per page, not per event: this is how a stop
 * mid-page repeats nothing.
 */
interface ForwardState {
  gateway: string;
  cursor: string | null;
  after: string | null;
}

interface Options {
  to: string;
  gateway: string;
  vendor?: string;
  from: 'now' | 'beginning';
  stateFile: string;
  token: string;
  pollMs: number;
  timeoutMs: number;
  secret: string;
  secretSource: string;
  /** Said once at start: where the position is read from, when that is not where it would be kept now. */
  stateNote?: string;
}

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function httpUrl(value: string | undefined, option: string): string {
  let url: URL | undefined;
  try {
    url = value === undefined ? undefined : new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) usageError(`${option} must be an http(s) URL, got ${value === undefined ? 'nothing' : `"${value}"`}`);
  if (url.username || url.password) usageError(`${option} must not carry credentials`);
  return value!;
}

function milliseconds(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 3_600_000) usageError(`${option} must be a whole number of milliseconds from 1 to 3600000, got "${value}"`);
  return Number(value);
}

function readToken(tokenFile: string | undefined): string {
  const found = findApiToken(tokenFile);
  if ('problem' in found) usageError(found.problem);
  return found.token;
}

/** Where the position is kept when no --state-file is given. */
const STATE_FILE = 'forward-cursor';
/** Where it was kept before it moved into DATA_DIR (in the working tree, where git saw it). */
const OLD_STATE_FILE = '.forward-cursor';

/**
 * --state-file, else DATA_DIR/forward-cursor, out of the working tree. A position kept at the old place
 * (./.forward-cursor) is still resumed from there, so an upgrade neither loses nor repeats events.
 */
function defaultStateFile(): { file: string; note?: string } {
  const old = resolve(OLD_STATE_FILE);
  const file = join(dataDir(), STATE_FILE);
  if (existsSync(old) && !existsSync(file)) {
    return { file: old, note: `Using ${old} (and its .secret), kept there by an earlier version; move both to ${file} when convenient` };
  }
  return { file };
}

function checkedSecret(secret: string, where: string): string {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(secret.slice(6), 'base64').length < 24) {
    usageError(`${where} must be whsec_ followed by base64 of 24 or more bytes`);
  }
  return secret;
}

/** FORWARD_SECRET, else the one kept next to the state file (made on first use). */
function signingSecret(stateFile: string): { secret: string; source: string } {
  const given = process.env.FORWARD_SECRET?.trim();
  if (given) return { secret: checkedSecret(given, 'FORWARD_SECRET'), source: 'FORWARD_SECRET' };
  const file = `${stateFile}.secret`;
  if (existsSync(file)) return { secret: checkedSecret(readFileSync(file, 'utf8').trim(), file), source: file };
  const secret = generateSigningSecret();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, source: `${file} (new)` };
}

function parseOptions(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        to: { type: 'string' },
        vendor: { type: 'string' },
        gateway: { type: 'string' },
        from: { type: 'string' },
        'state-file': { type: 'string' },
        'token-file': { type: 'string' },
        poll: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    if (/'--(api-)?token'/.test((error as Error).message)) {
      usageError('A token on the command line would show in the process list and shell history: set API_TOKEN, or --token-file');
    }
    usageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const to = httpUrl(values.to, '--to');
  const gateway = httpUrl(values.gateway ?? DEFAULT_GATEWAY, '--gateway').replace(/\/+$/, '');
  if (values.vendor !== undefined && !VENDOR_NAMES.includes(values.vendor)) usageError(`Unknown vendor "${values.vendor}"`);
  const from = values.from ?? 'now';
  if (from !== 'now' && from !== 'beginning') usageError(`--from must be now or beginning, got "${from}"`);
  const { file: stateFile, note: stateNote } = values['state-file'] === undefined ? defaultStateFile() : { file: resolve(values['state-file']), note: undefined };
  const token = readToken(values['token-file']);
  const { secret, source } = signingSecret(stateFile);
  return {
    to,
    gateway,
    vendor: values.vendor,
    from,
    stateFile,
    token,
    pollMs: milliseconds(values.poll, '--poll', 1_000),
    timeoutMs: milliseconds(values.timeout, '--timeout', 10_000),
    secret,
    secretSource: source,
    stateNote,
  };
}

function loadState(options: Options): ForwardState | undefined {
  if (!existsSync(options.stateFile)) return undefined;
  let state: Partial<ForwardState>;
  try {
    state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as Partial<ForwardState>;
  } catch (error) {
    usageError(`${options.stateFile} is not a state file this script wrote (${(error as Error).message}); move it away to start afresh`);
  }
  if (typeof state !== 'object' || state === null || (state.cursor !== null && typeof state.cursor !== 'string') || (state.after !== null && typeof state.after !== 'string')) {
    usageError(`${options.stateFile} is not a state file this script wrote; move it away to start afresh`);
  }
  if (state.gateway !== options.gateway) {
    usageError(`${options.stateFile} holds a position in the feed of ${state.gateway}, not ${options.gateway}: use another --state-file`);
  }
  return state as ForwardState;
}

/** Written whole or not at all (a rename), so a stop at any moment leaves a readable file. */
function saveState(file: string, state: ForwardState): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}

class Forwarder {
  /** The hint that the target refuses the signature is given once, not at every retry. */
  private refusalExplained = false;

  constructor(private readonly options: Options) {}

  async run(): Promise<never> {
    const { options } = this;
    mkdirSync(dirname(options.stateFile), { recursive: true });
    let state: ForwardState | undefined = loadState(options);
    console.log(`Forwarding ${options.gateway}/api/events${options.vendor ? ` (vendor ${options.vendor})` : ''} to ${options.to}`);
    console.log(`Signing secret (${options.secretSource}): ${options.secretSource === 'FORWARD_SECRET' ? 'as set' : options.secret}`);
    if (options.stateNote) console.log(options.stateNote);
    if (state) {
      console.log(`Resuming where it stopped (${options.stateFile})`);
    } else {
      state = { gateway: options.gateway, cursor: options.from === 'now' ? await this.endOfFeed() : null, after: null };
      saveState(options.stateFile, state);
      console.log(options.from === 'now' ? 'Starting at the end of the feed: events from now on' : 'Starting at the beginning of the feed');
    }
    for (;;) {
      const page = await this.readPage(state.cursor, PAGE_SIZE);
      // Skip what was forwarded before a stop mid-page. Not found (a page cut short because it was too
      // large, or a --vendor other than before): forward the page whole; a repeat, never a loss.
      const after = state.after;
      const at: number = after === null ? -1 : page.data.findIndex((event) => event.id === after);
      for (const event of page.data.slice(at + 1)) {
        const delivered = await this.forward(event);
        state = { ...state, after: event.id };
        saveState(options.stateFile, state);
        console.log(delivered);
      }
      if (page.nextCursor !== state.cursor) {
        state = { gateway: options.gateway, cursor: page.nextCursor, after: null };
        saveState(options.stateFile, state);
      }
      if (!page.hasMore) await sleep(options.pollMs);
    }
  }

  /** The position after the last event there is now (the start of the feed when it is empty). */
  private async endOfFeed(): Promise<string | null> {
    let cursor: string | null = null;
    for (;;) {
      const page = await this.readPage(cursor, 500);
      cursor = page.nextCursor;
      if (!page.hasMore) return cursor;
    }
  }

  /** One page of the feed, retried with backoff until the gateway answers it. */
  private async readPage(cursor: string | null, limit: number): Promise<FeedPage> {
    for (let attempt = 0; ; attempt++) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== null) query.set('cursor', cursor);
      if (this.options.vendor) query.set('vendor', this.options.vendor);
      const url = `${this.options.gateway}/api/events?${query}`;
      let answer: RawAnswer;
      try {
        answer = await sendRequest('GET', url, { Authorization: `Bearer ${this.options.token}`, Accept: 'application/json' }, undefined, this.options.timeoutMs, FEED_ANSWER_CAP);
      } catch (error) {
        await this.pause(attempt, `The gateway did not answer (${describeRequestError(error)})`);
        continue;
      }
      if (answer.truncated) {
        if (limit === 1) throw new FatalError(`An event of the feed is larger than ${FEED_ANSWER_CAP / 1024 / 1024} MB; cannot forward it`);
        limit = Math.ceil(limit / 2);
        continue;
      }
      if (answer.status === 200) {
        try {
          return JSON.parse(answer.body) as FeedPage;
        } catch {
          await this.pause(attempt, 'The gateway answered 200 with a body that is not JSON');
          continue;
        }
      }
      const reason = errorOf(answer);
      if (answer.status === 401 || answer.status === 403) throw new FatalError(`The gateway refused the API token: ${answer.status} ${reason}`);
      if (answer.status === 400 || answer.status === 404) throw new FatalError(`The gateway refused the feed request: ${answer.status} ${reason}`);
      await this.pause(attempt, `The gateway answered ${answer.status} ${reason}`, retryAfterMs(answer));
    }
  }

  /** POSTs the event until the target answers 2xx; never gives up on it (the next one waits). Says how it went. */
  private async forward(event: EnvelopeSource & { id: string }): Promise<string> {
    const label = `${event.id} ${envelopeType(event.vendor, event.eventType)}`;
    for (let attempt = 0; ; attempt++) {
      const body = envelopeBody(event);
      const headers = {
        'Content-Type': 'application/json',
        'User-Agent': 'webhook-gateway-forward',
        ...signatureHeaders([this.options.secret], event.id, body),
      };
      const started = performance.now();
      let outcome: string;
      let hint: string | undefined;
      try {
        const answer = await sendRequest('POST', this.options.to, headers, body, this.options.timeoutMs, TARGET_ANSWER_CAP);
        const took = Math.round(performance.now() - started);
        if (answer.status >= 200 && answer.status < 300) {
          return `OK   ${label} → HTTP ${answer.status} in ${took} ms`;
        }
        outcome = `HTTP ${answer.status} in ${took} ms${answer.body ? `: ${answer.body.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`;
        if ((answer.status === 401 || answer.status === 403) && !this.refusalExplained) {
          this.refusalExplained = true;
          hint = this.refusalHint(answer.status);
        }
      } catch (error) {
        outcome = describeRequestError(error);
      }
      await this.pause(attempt, `FAIL ${label} → ${outcome}`, 0, hint);
    }
  }

  /** A 401/403 from the target is almost always a consumer verifying with another secret than this one signs with. */
  private refusalHint(status: number): string {
    const { secretSource } = this.options;
    const signsWith = secretSource === 'FORWARD_SECRET' ? 'FORWARD_SECRET' : `the secret printed above (kept in ${secretSource.replace(/ \(new\)$/, '')})`;
    return (
      `HINT ${this.options.to} answers ${status}: it refuses the signature, or wants credentials this forwarder does not send. ` +
      `Requests are signed with ${signsWith}: give your consumer that secret, or set FORWARD_SECRET to the whsec_… secret your consumer verifies with. ` +
      'The event is retried meanwhile.'
    );
  }

  /** Says what failed (and, on a line of its own, what to do about it), then waits before the next try. */
  private async pause(attempt: number, message: string, atLeastMs = 0, hint?: string): Promise<void> {
    const delay = Math.max(atLeastMs, backoffWithJitter(attempt, RETRY_BASE_MS, RETRY_MAX_MS));
    console.log(`${message}; again in ${(delay / 1000).toFixed(1)} s`);
    if (hint) console.log(hint);
    await sleep(delay);
  }
}

/** The gateway's error code and message, from its one error body shape. */
function errorOf(answer: RawAnswer): string {
  try {
    const body = JSON.parse(answer.body) as { code?: unknown; message?: unknown };
    return [body.code, body.message].filter((part) => typeof part === 'string').join(': ');
  } catch {
    return answer.body.slice(0, 200);
  }
}

function retryAfterMs(answer: RawAnswer): number {
  const index = answer.rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'retry-after');
  const seconds = index >= 0 ? (retryAfter(answer.rawHeaders[index + 1]) ?? 0) : 0;
  return Math.min(seconds, 300) * 1000;
}

function main(): void {
  const options = parseOptions();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // The state file is only ever replaced whole, so stopping here loses nothing.
      console.log(`Stopped; the position is kept in ${options.stateFile}`);
      process.exit(0);
    });
  }
  new Forwarder(options).run().catch((error: Error) => {
    console.error(error instanceof FatalError ? error.message : `Stopped by an unexpected error: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}

main();
