import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { URL, URLSearchParams } from 'node:url';

/**
 * A fake InsideView (public API v1) on a real loopback HTTP server, for the end-to-end tests and for
 * local work. It mirrors what InsideView's public API documentation and its webhook setup guide
 * describe:
 *
 * - `POST /Auth/login/v1/token.json` (form-urlencoded or JSON `clientId`, `clientSecret`,
 *   `grantType=cred`) issues access tokens `{accessTokenDetails: {accessToken, tokenType, expirationTime}}`.
 * - Every `/api/v1/…` call needs the request header `accessToken` with an issued, unexpired token, and
 *   answers JSON only when `Accept` includes `application/json` (XML is the real API's default).
 * - `POST /api/v1/subscription`, `GET|DELETE /api/v1/subscription/{id}`,
 *   `GET /api/v1/subscription/{sid}/alert/{alertId}?page=N`, `GET /api/v1/subscription/{sid}/alerts`.
 * - Outbound, driven by the test: `validateWebhook()` (the HEAD handshake with
 *   `X-InsideViewAPI-ValidationCode`, header casing checked on the raw response) and `sendAlert()`
 *   (the signed alert notification POST).
 * - `fail()` injects 5xx / 429 (with Retry-After) / slow / malformed / reset answers.
 *
 * Where the documents are silent the fake chooses, and says so in a comment marked "Invented:".
 * Error bodies are always `{"message": "...", "errorCode": "<status>-<nnnn>"}`.
 *
 * Run directly (`node dist/test/fakes/fake-insideview.js`) it listens on PORT (default 4010), prints
 * the environment for the gateway, validates new webhooks on its own a moment after creation, and offers
 * a small control API under `/_fake/` (see `handleControl`) to send alerts and inject failures by hand.
 */

export interface FakeSubscription {
  subscriptionId: string;
  subscriptionType: string;
  frequency?: string;
  startTime?: string;
  fields?: string[];
  companyIds?: string[];
  peopleIds?: string[];
  signingSecret?: string;
  webhook: {
    url: string;
    status: 'VERIFICATION_PENDING' | 'ACTIVE' | 'DISABLED';
    disableReasonMessage?: string;
    disableReasonErrorCode?: string;
  };
}

export interface FailureRule {
  /** HTTP method to match (case-insensitive); any method when absent. */
  method?: string;
  /** Matched against the URL path without the query: a string must equal it, a RegExp must match it. */
  path: string | RegExp;
  /** Answer with this status. Defaults: 429 when only `retryAfter` is given, 200 when only `body` is given. */
  status?: number;
  /** How many matching requests to affect (default 1; Infinity allowed). */
  times?: number;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
  /** Wait this long before answering. With nothing else to do, the request is then handled normally. */
  delayMs?: number;
  /** Answer 200 (application/json) with a body that is not valid JSON. */
  malformed?: boolean;
  /** JSON body for the failure answer (default: an InsideView-style error for the status). */
  body?: unknown;
  /** Extension: destroy the connection without answering (a network error at the client). */
  reset?: boolean;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

export interface FakeInsideViewOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** When set, every new subscription's webhook is validated this many ms after it is created. Tests
   * leave it unset and call validateWebhook() themselves (the real service takes up to 2–3 minutes). */
  validationDelayMs?: number;
  /** Receives one line per handled request (the standalone mode prints them). */
  log?: (line: string) => void;
}

type WebhookStatus = FakeSubscription['webhook']['status'];
type IdKind = 'companyIds' | 'peopleIds';

interface StoredAlert {
  pages: string[][];
  kind: IdKind;
  createdDate: string;
}

interface Answer {
  status: number;
  body: unknown;
  /** Element name wrapping the body when it is rendered as XML. */
  xmlRoot?: string;
  headers?: Record<string, string>;
}

interface ActiveRule {
  rule: FailureRule;
  remaining: number;
}

export const VALIDATION_HEADER = 'X-InsideViewAPI-ValidationCode';
export const SIGNATURE_HEADER = 'X-InsideViewAPI-AlertDataSignature';
export const SUBSCRIPTION_TYPES = ['company', 'companyNews', 'people', 'companyFamilyTree'] as const;
/** The date format of the documentation's example notification (which contradicts its own table). */
export const EXAMPLE_ALERT_DATE = '2020-02-26 11:52:29:00+0000';

const MAX_IDS = 5000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Invented: how long the HEAD handshake and the alert POST wait for the webhook. */
const VALIDATION_TIMEOUT_MS = 5_000;
const ALERT_TIMEOUT_MS = 30_000;

/** The messages InsideView puts in `disableReasonMessage`. 400-2101 is the one in the doc's example response. */
const DISABLE_REASONS = {
  '400-2100': 'Webhook unreachable',
  '400-2101':
    'Please echo X-InsideViewAPI-ValidationCode request header value as response header with name X-InsideViewAPI-ValidationCode',
  '400-2102': 'Invalid X-InsideViewAPI-ValidationCode response header value',
  '400-2103': 'Invalid X-InsideViewAPI-ValidationCode response header value',
  '400-2104': 'Incorrect X-InsideViewAPI-ValidationCode response header value',
} as const;
type DisableCode = keyof typeof DISABLE_REASONS;

function apiError(status: number, errorCode: string, message: string): Answer {
  return { status, body: { message, errorCode }, xmlRoot: 'error' };
}

/** Invented: the default body of an injected failure. */
function defaultFailureBody(status: number): { message: string; errorCode: string } {
  if (status === 429) return { message: 'Rate limit exceeded. Please retry after some time', errorCode: '429-1001' };
  if (status >= 500) return { message: 'Internal server error', errorCode: `${status}-1000` };
  return { message: 'Injected failure', errorCode: `${status}-9999` };
}

/** 20 lowercase alphanumerics, like the docs' `oshbv7671moesavtb0e0`. */
function subscriptionIdentifier(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < 20; i += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function xmlElement(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item)).join('');
  if (typeof value === 'object') {
    const children = Object.entries(value as Record<string, unknown>).map(([key, child]) => xmlElement(key, child));
    return `<${name}>${children.join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Invented: the shape of the XML answer; only its being XML matters (a JSON parser must choke on it). */
function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${xmlElement(root, value)}\n`;
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Comma-separated lists; a field may also be repeated (`companyIds=1&companyIds=2`). */
function listField(form: URLSearchParams, name: string): string[] | undefined {
  if (!form.has(name)) return undefined;
  return form
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function textField(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name)?.trim();
  return value ? value : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export class FakeInsideView {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  tokenLifetimeSeconds = 3600;
  readonly requests: FakeRequest[] = [];
  readonly subscriptions = new Map<string, FakeSubscription>();

  private readonly tokens = new Map<string, number>();
  private tokensIssued = 0;
  private readonly alerts = new Map<string, Map<string, StoredAlert>>();
  private rules: ActiveRule[] = [];
  private readonly pendingTimers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  private readonly validationDelayMs?: number;
  private readonly log?: (line: string) => void;
  private closed = false;

  private constructor(
    private readonly server: Server,
    options: FakeInsideViewOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    const host = options.host ?? '127.0.0.1';
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.clientId = options.clientId ?? 'fake-client-id';
    this.clientSecret = options.clientSecret ?? 'fake-client-secret';
    this.validationDelayMs = options.validationDelayMs;
    this.log = options.log;
  }

  static async start(options: FakeInsideViewOptions = {}): Promise<FakeInsideView> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const fake = new FakeInsideView(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          fake.send(res, { status: 500, body: { message: `Fake InsideView failed: ${String(error)}`, errorCode: '500-1000' } }, true);
        } else {
          res.destroy();
        }
      });
    });
    return fake;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/v1`;
  }

  get tokenUrl(): string {
    return `${this.baseUrl}/Auth/login/v1/token.json`;
  }

  // ---------------------------------------------------------------- test controls

  /** Makes alert `alertId` of the subscription fetchable, with these pages of ids (page 1 first). */
  setAlert(subscriptionId: string, alertId: string, details: { pages: Array<string[]>; kind?: IdKind }): void {
    const subscription = this.mustGet(subscriptionId);
    const kind = details.kind ?? (subscription.subscriptionType === 'people' ? 'peopleIds' : 'companyIds');
    let alerts = this.alerts.get(subscriptionId);
    if (!alerts) this.alerts.set(subscriptionId, (alerts = new Map()));
    alerts.set(String(alertId), {
      pages: details.pages.map((page) => [...page]),
      kind,
      createdDate: alerts.get(String(alertId))?.createdDate ?? new Date().toISOString(),
    });
  }

  /** Sets the webhook status as InsideView would after validating; a reason is kept only for DISABLED. */
  setWebhookStatus(subscriptionId: string, status: WebhookStatus, reason?: { code: string; message: string }): void {
    const { webhook } = this.mustGet(subscriptionId);
    webhook.status = status;
    if (status === 'DISABLED' && reason) {
      webhook.disableReasonErrorCode = reason.code;
      webhook.disableReasonMessage = reason.message;
    } else {
      delete webhook.disableReasonErrorCode;
      delete webhook.disableReasonMessage;
    }
  }

  /**
   * The validation handshake: `HEAD <webhook.url>` with `X-InsideViewAPI-ValidationCode: <random>`.
   * The answer must be 2xx and carry a header named exactly `X-InsideViewAPI-ValidationCode` (checked on
   * the raw headers, case-sensitive) with the same value. Sets and returns the resulting status.
   */
  async validateWebhook(subscriptionId: string): Promise<WebhookStatus> {
    const subscription = this.mustGet(subscriptionId);
    const code = randomBytes(16).toString('hex');
    const outcome = await this.outbound(subscription.webhook.url, 'HEAD', { [VALIDATION_HEADER]: code }, undefined, VALIDATION_TIMEOUT_MS).catch(
      () => undefined,
    );
    let reason: DisableCode | undefined;
    if (!outcome || outcome.status < 200 || outcome.status > 299) {
      reason = '400-2100';
    } else {
      const values: string[] = [];
      for (let i = 0; i + 1 < outcome.rawHeaders.length; i += 2) {
        if (outcome.rawHeaders[i] === VALIDATION_HEADER) values.push(outcome.rawHeaders[i + 1]!);
      }
      // Invented: the docs name 400-2102/400-2103 "Invalid … value" without saying when; the fake uses
      // 400-2102 for an empty echo and 400-2103 for the header sent more than once.
      if (values.length === 0) reason = '400-2101';
      else if (values.length > 1) reason = '400-2103';
      else if (values[0]!.trim() === '') reason = '400-2102';
      else if (values[0] !== code) reason = '400-2104';
    }
    if (reason) this.setWebhookStatus(subscriptionId, 'DISABLED', { code: reason, message: DISABLE_REASONS[reason] });
    else this.setWebhookStatus(subscriptionId, 'ACTIVE');
    this.log?.(`validated ${subscriptionId}: ${subscription.webhook.status}${reason ? ` ${reason}` : ''}`);
    return subscription.webhook.status;
  }

  /**
   * Posts an alert notification to the subscription's webhook, signed with
   * `X-InsideViewAPI-AlertDataSignature` = HMAC-SHA1(signingSecret, raw body): lowercase hex by default,
   * base64 with 'base64', no header with 'none', a wrong (well-formed hex) value with 'wrong'. As the
   * docs say, a subscription without signing secret gets no signature header (except with 'wrong').
   * Unlike the real service, it posts whatever the webhook's status, so tests can probe any state.
   */
  async sendAlert(
    subscriptionId: string,
    alert: { alertId: string | number; date?: string; type?: string; signature?: 'hex' | 'base64' | 'none' | 'wrong'; body?: string },
  ): Promise<{ status: number; body: string }> {
    const subscription = this.mustGet(subscriptionId);
    const raw =
      alert.body ??
      JSON.stringify({
        alertId: alert.alertId,
        subscriptionId,
        date: alert.date ?? EXAMPLE_ALERT_DATE,
        type: alert.type ?? subscription.subscriptionType,
      });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'InsideView-Webhook (fake)',
    };
    const mode = alert.signature ?? 'hex';
    const secret = subscription.signingSecret;
    if (mode === 'wrong') {
      headers[SIGNATURE_HEADER] = createHmac('sha1', `not-${secret ?? 'the-secret'}`).update(raw).digest('hex');
    } else if (mode !== 'none' && secret !== undefined) {
      headers[SIGNATURE_HEADER] = createHmac('sha1', secret).update(raw).digest(mode);
    }
    const answer = await this.outbound(subscription.webhook.url, 'POST', headers, Buffer.from(raw), ALERT_TIMEOUT_MS);
    this.log?.(`alert ${String(alert.alertId)} → ${subscriptionId}: ${answer.status}`);
    return { status: answer.status, body: answer.body };
  }

  /** Adds a failure rule; rules are tried in the order added, the first active match applies. */
  fail(rule: FailureRule): void {
    this.rules.push({ rule, remaining: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.rules = [];
  }

  /** How many `GET …/subscription/{sid}/alert/{alertId}` requests arrived (every page, and every request
   * answered by a failure rule or refused for its token, counts). */
  alertDetailRequests(subscriptionId: string, alertId: string): number {
    const path = `/api/v1/subscription/${subscriptionId}/alert/${alertId}`;
    return this.requests.filter((request) => request.method === 'GET' && safeDecode(request.path) === path).length;
  }

  /** How many tokens the token endpoint issued. */
  issuedTokens(): number {
    return this.tokensIssued;
  }

  /** Extension: a token accepted by the API without calling the token endpoint (for
   * INSIDEVIEW_ACCESS_TOKEN); not counted by issuedTokens(). Lives forever unless a lifetime is given. */
  issueToken(options: { token?: string; lifetimeSeconds?: number } = {}): string {
    const token = options.token ?? randomBytes(24).toString('base64url');
    this.tokens.set(token, options.lifetimeSeconds === undefined ? Infinity : Date.now() + options.lifetimeSeconds * 1000);
    return token;
  }

  /** Extension: makes every token issued so far expired (the next API call answers 401). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pendingTimers) {
      clearTimeout(pending.timer);
      pending.done();
    }
    this.pendingTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---------------------------------------------------------------- request handling

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-insideview.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (body === undefined) {
      this.send(res, apiError(413, '413-1000', 'Request body too large'), true);
      return;
    }
    const text = body.toString('utf8');
    if (url.pathname.startsWith('/_fake/')) {
      this.send(res, await this.handleControl(method, url, text), true);
      return;
    }
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: text, at: Date.now() });

    const rule = this.takeRule(method, url.pathname);
    if (rule && (await this.applyRule(rule, req, res))) {
      this.log?.(`${method} ${url.pathname}${url.search} → injected failure`);
      return;
    }

    let answer: Answer;
    let json = true;
    if (url.pathname === '/Auth/login/v1/token.json') {
      answer = method === 'POST' ? this.token(req, text) : apiError(405, '405-1000', 'Method not allowed');
    } else if (url.pathname === '/api/v1' || url.pathname.startsWith('/api/v1/')) {
      // Invented: the real API's behaviour without `Accept: application/json` is only "XML is the
      // default"; the fake renders every /api/v1 answer (errors included, status kept) as XML then.
      json = (req.headers.accept ?? '').toLowerCase().includes('application/json');
      answer = this.authenticate(req) ?? this.api(method, url, req, text);
    } else {
      answer = apiError(404, '404-1000', 'Resource not found');
    }
    this.log?.(`${method} ${url.pathname}${url.search} → ${answer.status}`);
    this.send(res, answer, json);
  }

  private send(res: ServerResponse, answer: Answer, json: boolean): void {
    if (res.headersSent || res.destroyed) return;
    const payload = json ? JSON.stringify(answer.body) : toXml(answer.xmlRoot ?? 'response', answer.body);
    res.writeHead(answer.status, {
      'Content-Type': json ? 'application/json;charset=UTF-8' : 'application/xml;charset=UTF-8',
      'Content-Length': Buffer.byteLength(payload),
      ...answer.headers,
    });
    res.end(payload);
  }

  private takeRule(method: string, path: string): FailureRule | undefined {
    const found = this.rules.find(
      ({ rule, remaining }) =>
        remaining > 0 &&
        (rule.method === undefined || rule.method.toUpperCase() === method) &&
        (typeof rule.path === 'string' ? rule.path === path : matches(rule.path, path)),
    );
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.rules = this.rules.filter((active) => active !== found);
    return found.rule;
  }

  /** Returns true when the rule answered (or dropped) the request, false to go on with normal handling. */
  private async applyRule(rule: FailureRule, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (rule.delayMs && rule.delayMs > 0) await this.sleep(rule.delayMs);
    if (this.closed) {
      res.destroy();
      return true;
    }
    if (rule.reset) {
      req.socket.destroy();
      return true;
    }
    const headers: Record<string, string> = {};
    if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter);
    if (rule.malformed) {
      const payload = '{"message": "this body was cut off';
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(200, { ...headers, 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(payload) });
        res.end(payload);
      }
      return true;
    }
    const status = rule.status ?? (rule.retryAfter !== undefined ? 429 : rule.body !== undefined ? 200 : undefined);
    if (status === undefined) return false; // a delay only: the slow request is then served normally
    this.send(res, { status, body: rule.body !== undefined ? rule.body : defaultFailureBody(status), headers }, true);
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.pendingTimers.delete(pending);
          resolve();
        }, ms),
        done: resolve,
      };
      this.pendingTimers.add(pending);
    });
  }

  /** The token endpoint. Invented: missing fields and a grantType other than `cred` answer 400. */
  private token(req: IncomingMessage, text: string): Answer {
    const fields = new Map<string, string>();
    const type = mediaType(req);
    if (type === 'application/json') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object') {
          for (const [key, value] of Object.entries(parsed)) if (value !== null && value !== undefined) fields.set(key, String(value));
        }
      } catch {
        return apiError(400, '400-1000', 'Malformed request body');
      }
    } else {
      for (const [key, value] of new URLSearchParams(text)) fields.set(key, value);
    }
    const clientId = fields.get('clientId');
    const clientSecret = fields.get('clientSecret');
    const grantType = fields.get('grantType');
    if (!clientId || !clientSecret) return apiError(400, '400-1001', 'clientId and clientSecret are required');
    if (grantType !== 'cred') return apiError(400, '400-1002', 'Invalid grantType; expected cred');
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) {
      return apiError(401, '401-1001', 'Invalid client credentials');
    }
    const accessToken = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + this.tokenLifetimeSeconds * 1000;
    this.tokens.set(accessToken, expiresAt);
    this.tokensIssued += 1;
    return {
      status: 200,
      body: { accessTokenDetails: { accessToken, tokenType: 'bearer', expirationTime: new Date(expiresAt).toISOString() } },
    };
  }

  /** Invented: the error codes and messages of the 401 answers. */
  private authenticate(req: IncomingMessage): Answer | undefined {
    const header = req.headers.accesstoken;
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) return apiError(401, '401-1002', 'Access token is missing');
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return apiError(401, '401-1003', 'Invalid access token');
    if (expiresAt <= Date.now()) return apiError(401, '401-1004', 'Access token expired');
    return undefined;
  }

  private api(method: string, url: URL, req: IncomingMessage, text: string): Answer {
    const segments = url.pathname.slice('/api/v1/'.length).split('/').map(safeDecode);
    if (segments[0] !== 'subscription') return apiError(404, '404-1000', 'Resource not found');
    const notAllowed = apiError(405, '405-1000', 'Method not allowed');
    if (segments.length === 1) return method === 'POST' ? this.createSubscription(req, text) : notAllowed;
    const subscriptionId = segments[1]!;
    if (segments.length === 2) {
      if (method === 'GET') return this.subscriptionAnswer(subscriptionId);
      if (method === 'DELETE') return this.deleteSubscription(subscriptionId);
      return notAllowed;
    }
    if (segments.length === 3 && segments[2] === 'alerts') return method === 'GET' ? this.listAlerts(subscriptionId) : notAllowed;
    if (segments.length === 4 && segments[2] === 'alert') {
      return method === 'GET' ? this.alertDetails(subscriptionId, segments[3]!, url.searchParams.get('page')) : notAllowed;
    }
    return apiError(404, '404-1000', 'Resource not found');
  }

  /**
   * Invented details: the body must be form-urlencoded (415 otherwise, as a JAX-RS form resource
   * answers); ids are optional, but companyIds on a people subscription (or peopleIds on a company one)
   * are refused; the webhook must be an http(s) URL; frequency, startTime and fields are not checked.
   */
  private createSubscription(req: IncomingMessage, text: string): Answer {
    if (mediaType(req) !== 'application/x-www-form-urlencoded') {
      return apiError(415, '415-1000', 'Unsupported media type; send application/x-www-form-urlencoded form fields');
    }
    const form = new URLSearchParams(text);
    const subscriptionType = textField(form, 'subscriptionType');
    if (!subscriptionType) return apiError(400, '400-1101', 'subscriptionType is required');
    if (!(SUBSCRIPTION_TYPES as readonly string[]).includes(subscriptionType)) {
      return apiError(400, '400-1102', `Invalid subscriptionType ${subscriptionType}; allowed values: ${SUBSCRIPTION_TYPES.join(', ')}`);
    }
    const webhookUrl = textField(form, 'webhook');
    if (!webhookUrl) return apiError(400, '400-1103', 'webhook is required');
    if (!isHttpUrl(webhookUrl)) return apiError(400, '400-1104', `Invalid webhook url ${webhookUrl}`);
    const companyIds = listField(form, 'companyIds');
    const peopleIds = listField(form, 'peopleIds');
    for (const [name, ids] of [['companyIds', companyIds], ['peopleIds', peopleIds]] as const) {
      if (ids && ids.length > MAX_IDS) return apiError(400, '400-1105', `A maximum of ${MAX_IDS} ${name} is allowed per subscription`);
    }
    if (subscriptionType === 'people' && companyIds?.length) return apiError(400, '400-1106', 'companyIds is not allowed for subscriptionType people');
    if (subscriptionType !== 'people' && peopleIds?.length) {
      return apiError(400, '400-1106', `peopleIds is not allowed for subscriptionType ${subscriptionType}`);
    }
    let subscriptionId = subscriptionIdentifier();
    while (this.subscriptions.has(subscriptionId)) subscriptionId = subscriptionIdentifier();
    const subscription: FakeSubscription = {
      subscriptionId,
      subscriptionType,
      frequency: textField(form, 'frequency'),
      startTime: textField(form, 'startTime'),
      fields: listField(form, 'fields'),
      companyIds,
      peopleIds,
      signingSecret: form.get('signingSecret') || undefined,
      webhook: { url: webhookUrl, status: 'VERIFICATION_PENDING' },
    };
    this.subscriptions.set(subscriptionId, subscription);
    if (this.validationDelayMs !== undefined) {
      void this.sleep(this.validationDelayMs).then(() => {
        if (!this.closed && this.subscriptions.get(subscriptionId) === subscription) {
          void this.validateWebhook(subscriptionId).catch(() => undefined);
        }
      });
    }
    return { status: 200, body: this.view(subscription), xmlRoot: 'subscription' };
  }

  private subscriptionAnswer(subscriptionId: string): Answer {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) return subscriptionNotFound();
    return { status: 200, body: this.view(subscription), xmlRoot: 'subscription' };
  }

  private deleteSubscription(subscriptionId: string): Answer {
    if (!this.subscriptions.delete(subscriptionId)) return subscriptionNotFound();
    this.alerts.delete(subscriptionId);
    return { status: 200, body: { message: 'Subscription deleted' }, xmlRoot: 'response' };
  }

  /** Invented: alerts are listed in the order setAlert() first made them, createdDate as ISO-8601 UTC. */
  private listAlerts(subscriptionId: string): Answer {
    if (!this.subscriptions.has(subscriptionId)) return subscriptionNotFound();
    const alerts = [...(this.alerts.get(subscriptionId)?.entries() ?? [])].map(([alertId, alert]) => ({ alertId, createdDate: alert.createdDate }));
    return { status: 200, body: { alerts }, xmlRoot: 'alertList' };
  }

  /** Invented: a page that is not a positive integer answers 400-1511; an unknown subscription 404. */
  private alertDetails(subscriptionId: string, alertId: string, pageParameter: string | null): Answer {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) return subscriptionNotFound();
    const alert = this.alerts.get(subscriptionId)?.get(alertId);
    if (!alert) return apiError(400, '400-1510', 'Invalid alert id');
    const pageText = pageParameter === null || pageParameter.trim() === '' ? '1' : pageParameter.trim();
    if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return apiError(400, '400-1511', `Invalid page ${pageParameter}`);
    const page = Number(pageText);
    return {
      status: 200,
      xmlRoot: 'alert',
      body: {
        [alert.kind]: alert.pages[page - 1] ?? [],
        subscriptionType: subscription.subscriptionType,
        page,
        resultsPerPage: Math.max(0, ...alert.pages.map((ids) => ids.length)),
        totalResults: alert.pages.reduce((sum, ids) => sum + ids.length, 0),
      },
    };
  }

  /** The subscription as the API shows it: never the signing secret; reasons only when DISABLED. */
  private view(subscription: FakeSubscription): Record<string, unknown> {
    const { webhook } = subscription;
    return {
      subscriptionId: subscription.subscriptionId,
      subscriptionType: subscription.subscriptionType,
      frequency: subscription.frequency,
      startTime: subscription.startTime,
      fields: subscription.fields,
      companyIds: subscription.companyIds,
      peopleIds: subscription.peopleIds,
      webhook: {
        url: webhook.url,
        status: webhook.status,
        ...(webhook.status === 'DISABLED'
          ? { disableReasonMessage: webhook.disableReasonMessage, disableReasonErrorCode: webhook.disableReasonErrorCode }
          : {}),
      },
    };
  }

  private mustGet(subscriptionId: string): FakeSubscription {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`FakeInsideView: no subscription ${subscriptionId}`);
    return subscription;
  }

  /** One request with node:http (not fetch), so the raw header names of the answer can be read. */
  private outbound(
    target: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; rawHeaders: string[]; body: string }> {
    return new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(target);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      // Only plain http: the fake talks to gateways on loopback.
      if (url.protocol !== 'http:') {
        reject(new Error(`FakeInsideView only calls http:// webhooks, not ${target}`));
        return;
      }
      const outgoing = httpRequest(
        url,
        { method, agent: false, headers: body ? { ...headers, 'Content-Length': String(body.length) } : headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`${method} ${target} timed out after ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /**
   * Control API for local work (not logged in `requests`, never subject to failure rules):
   *   GET    /_fake/subscriptions                          every subscription, signing secrets included
   *   POST   /_fake/subscriptions/{id}/validate            run the HEAD handshake now
   *   POST   /_fake/subscriptions/{id}/status              {"status","code"?,"message"?}
   *   POST   /_fake/subscriptions/{id}/alerts              {"alertId", "pages"?: [[ids]], "kind"?, "send"?: true,
   *                                                        "signature"?, "date"?, "type"?} set details and notify;
   *                                                        without "pages", a new alert gets SAMPLE_ALERT_PAGES
   *   POST   /_fake/failures                               a FailureRule; "path" may be "/regex/" for a RegExp
   *   DELETE /_fake/failures                               clear the failure rules
   */
  private async handleControl(method: string, url: URL, text: string): Promise<Answer> {
    const parts = url.pathname.split('/').slice(2).map(safeDecode);
    let input: Record<string, unknown> = {};
    if (text.trim()) {
      try {
        input = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return apiError(400, '400-1000', 'Send a JSON body');
      }
    }
    try {
      if (parts[0] === 'failures' && parts.length === 1) {
        if (method === 'DELETE') {
          this.clearFailures();
          return { status: 200, body: { message: 'Failures cleared' } };
        }
        if (method === 'POST' && typeof input.path === 'string') {
          const slashed = /^\/(.+)\/([a-z]*)$/.exec(input.path);
          const path = slashed && input.path !== '/' ? new RegExp(slashed[1]!, slashed[2]) : input.path;
          const times = input.times === null || input.times === 'Infinity' ? Infinity : (input.times as number | undefined);
          this.fail({ ...(input as Partial<FailureRule>), path, times });
          return { status: 200, body: { message: 'Failure rule added' } };
        }
      }
      if (parts[0] === 'subscriptions') {
        if (parts.length === 1 && method === 'GET') return { status: 200, body: [...this.subscriptions.values()] };
        const id = parts[1]!;
        if (!this.subscriptions.has(id)) return subscriptionNotFound();
        if (parts.length === 3 && parts[2] === 'validate' && method === 'POST') {
          await this.validateWebhook(id);
          return { status: 200, body: this.view(this.mustGet(id)) };
        }
        if (parts.length === 3 && parts[2] === 'status' && method === 'POST') {
          const status = input.status as WebhookStatus;
          const reason = typeof input.code === 'string' ? { code: input.code, message: String(input.message ?? '') } : undefined;
          this.setWebhookStatus(id, status, reason);
          return { status: 200, body: this.view(this.mustGet(id)) };
        }
        if (parts.length === 3 && parts[2] === 'alerts' && method === 'POST') {
          const alertId = (input.alertId as string | number | undefined) ?? String(randomInt(100_000, 1_000_000));
          if (Array.isArray(input.pages)) this.setAlert(id, String(alertId), { pages: input.pages as string[][], kind: input.kind as IdKind | undefined });
          // Invented: an alert sent by hand without "pages" is made fetchable with one page of sample ids, so
          // that `{"alertId":"1"}` is an alert the gateway fetches, not one InsideView answers 400-1510 for.
          else if (!this.alerts.get(id)?.has(String(alertId))) this.setAlert(id, String(alertId), { pages: SAMPLE_ALERT_PAGES, kind: input.kind as IdKind | undefined });
          if (input.send === false) return { status: 200, body: { alertId } };
          const delivered = await this.sendAlert(id, {
            alertId,
            date: input.date as string | undefined,
            type: input.type as string | undefined,
            signature: input.signature as 'hex' | 'base64' | 'none' | 'wrong' | undefined,
          });
          return { status: 200, body: { alertId, delivered } };
        }
      }
      return apiError(404, '404-1000', 'Unknown control route');
    } catch (error) {
      return apiError(502, '502-1000', error instanceof Error ? error.message : String(error));
    }
  }
}

/** The details of an alert sent through the control API without "pages": one page of two ids. */
export const SAMPLE_ALERT_PAGES: Array<string[]> = [['1001', '1002']];

function subscriptionNotFound(): Answer {
  return apiError(404, '404-1001', 'Subscription not found');
}

function matches(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0; // a /g or /y pattern keeps state between test() calls
  return pattern.test(path);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The whole request body, or undefined past MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 4010);
  const delayText = process.env.FAKE_INSIDEVIEW_VALIDATION_DELAY_MS ?? '2000';
  const validationDelayMs = delayText === 'off' ? undefined : Number(delayText);
  void FakeInsideView.start({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    clientId: process.env.FAKE_INSIDEVIEW_CLIENT_ID,
    clientSecret: process.env.FAKE_INSIDEVIEW_CLIENT_SECRET,
    validationDelayMs,
    log: (line) => process.stdout.write(`[fake-insideview] ${line}\n`),
  }).then(
    (fake) => {
      // Listening for the stop before saying it is up: whoever reads the lines below may stop it at once.
      // `on`, and once: under `npm run`, one Ctrl-C arrives several times, and a repeat must not kill the close.
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        void fake.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.stdout.write(
        [
          `Fake InsideView listening on ${fake.baseUrl}`,
          `INSIDEVIEW_API_URL=${fake.apiUrl}`,
          `INSIDEVIEW_TOKEN_URL=${fake.tokenUrl}`,
          `INSIDEVIEW_CLIENT_ID=${fake.clientId}`,
          `INSIDEVIEW_CLIENT_SECRET=${fake.clientSecret}`,
          validationDelayMs === undefined
            ? 'Webhooks are validated only on POST /_fake/subscriptions/<vendorRef>/validate'
            : `Webhooks are validated ${validationDelayMs} ms after creation (FAKE_INSIDEVIEW_VALIDATION_DELAY_MS; "off" to disable)`,
          `Send an alert: curl -X POST ${fake.baseUrl}/_fake/subscriptions/<vendorRef>/alerts -d '{"alertId":"364559","pages":[["1","2"]]}'`,
          "  <vendorRef>: InsideView's id of the subscription, the \"vendorRef\" in the gateway's answer (not its \"id\")",
          '',
        ].join('\n'),
      );
    },
    (error: unknown) => {
      process.stderr.write(`Fake InsideView could not start: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
