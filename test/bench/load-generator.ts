/**
 * The benchmark's load generator, run as its own process (so its CPU is not the orchestrator's nor
 * the server's event loop). It speaks HTTP/1.1 over raw keep-alive sockets and sends requests that
 * were built and signed before the clock starts, so per request it only writes bytes and reads the
 * answer's status line, Content-Length and body.
 *
 * Two modes:
 * - `closed`: N connections, each sends its next request when the previous answer arrived (the
 *   "events/s at 50 connections" figure);
 * - `open`: a fixed rate, request i is due at t0 + i/rate whatever happened before; a request that
 *   finds no idle connection opens a new one, and latency is measured from when it was *due*, not
 *   from when it could be written, so a stalled server cannot hide its stall (no coordinated omission).
 *
 * Every answer is recorded (status, duplicate flag, event id) for the orchestrator's zero-loss check.
 */
import { connect, type Socket } from 'node:net';

export interface LoadJob {
  host: string;
  port: number;
  mode: 'closed' | 'open';
  /** Complete raw HTTP/1.1 requests, in sending order. */
  requests: Buffer[];
  /** closed: concurrent connections. */
  connections?: number;
  /** open: requests per second. */
  rate?: number;
  /** open: most connections to open (requests beyond wait for one, their latency still counted from when due). */
  maxConnections?: number;
}

export interface LoadResult {
  sent: number;
  durationMs: number;
  /** Per request, in the order of `requests`: HTTP status (0: no answer, the connection failed). */
  statuses: Uint16Array;
  /** 1 when the answer said `"duplicate":true`. */
  duplicates: Uint8Array;
  /** The answer's eventId, or '' when none. */
  eventIds: string[];
  /** Per request, milliseconds (closed: from write; open: from when it was due). */
  latencies: Float64Array;
  connectionsOpened: number;
}

interface Pending {
  index: number;
  startedAt: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const DUPLICATE = Buffer.from('"duplicate":true');
const EVENT_ID = /"eventId":"([^"]*)"/;

function now(): number {
  return performance.now();
}

/** One keep-alive connection with at most one request in flight. */
class Connection {
  private readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private inFlight?: Pending;
  private connected = false;
  private queued?: Buffer;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly onAnswer: (connection: Connection, pending: Pending, status: number, body: Buffer) => void,
    private readonly onClosed: (connection: Connection, lost?: Pending) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      if (this.queued) {
        this.socket.write(this.queued);
        this.queued = undefined;
      }
    });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      const lost = this.inFlight;
      this.inFlight = undefined;
      this.onClosed(this, lost);
    });
  }

  send(pending: Pending, bytes: Buffer): void {
    this.inFlight = pending;
    if (this.connected) this.socket.write(bytes);
    else this.queued = bytes;
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf(CRLF2);
      if (headerEnd < 0) return;
      const head = this.buffer.subarray(0, headerEnd).toString('latin1');
      const status = Number(head.slice(9, 12));
      const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!lengthMatch) {
        // Every server under test answers with Content-Length; anything else is a failed request.
        this.socket.destroy();
        return;
      }
      const total = headerEnd + 4 + Number(lengthMatch[1]);
      if (this.buffer.length < total) return;
      const body = this.buffer.subarray(headerEnd + 4, total);
      this.buffer = this.buffer.length === total ? Buffer.alloc(0) : this.buffer.subarray(total);
      const pending = this.inFlight;
      this.inFlight = undefined;
      if (pending) this.onAnswer(this, pending, status, body);
      if (/\r\nconnection:\s*close/i.test(head)) this.socket.end();
    }
  }
}

export function runLoad(job: LoadJob): Promise<LoadResult> {
  const total = job.requests.length;
  const result: LoadResult = {
    sent: total,
    durationMs: 0,
    statuses: new Uint16Array(total),
    duplicates: new Uint8Array(total),
    eventIds: new Array<string>(total).fill(''),
    latencies: new Float64Array(total),
    connectionsOpened: 0,
  };
  return new Promise((resolve) => {
    let answered = 0;
    let next = 0;
    const startedAt = now();
    const connections = new Set<Connection>();
    const idle: Connection[] = [];
    const waiting: Pending[] = [];

    const finish = () => {
      result.durationMs = now() - startedAt;
      for (const connection of connections) connection.close();
      resolve(result);
    };

    const record = (pending: Pending, status: number, body: Buffer) => {
      result.statuses[pending.index] = status;
      result.latencies[pending.index] = now() - pending.startedAt;
      if (body.indexOf(DUPLICATE) >= 0) result.duplicates[pending.index] = 1;
      const id = EVENT_ID.exec(body.toString('latin1'));
      if (id) result.eventIds[pending.index] = id[1];
      answered += 1;
    };

    const open = (): Connection => {
      result.connectionsOpened += 1;
      const connection = new Connection(job.host, job.port, onAnswer, onClosed);
      connections.add(connection);
      return connection;
    };

    /** Gives a connection its next request, or marks it idle. */
    const feed = (connection: Connection) => {
      if (connection.closed) return;
      let pending: Pending | undefined;
      if (job.mode === 'closed') {
        if (next < total) pending = { index: next++, startedAt: now() };
      } else {
        pending = waiting.shift();
      }
      if (pending) connection.send(pending, job.requests[pending.index]);
      else idle.push(connection);
    };

    function onAnswer(connection: Connection, pending: Pending, status: number, body: Buffer): void {
      record(pending, status, body);
      if (answered === total) return finish();
      feed(connection);
    }

    function onClosed(connection: Connection, lost?: Pending): void {
      connections.delete(connection);
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
      if (lost) {
        result.statuses[lost.index] = 0;
        result.latencies[lost.index] = now() - lost.startedAt;
        answered += 1;
        if (answered === total) return finish();
      }
      // Keep the load going: a server may close idle keep-alive connections.
      if (job.mode === 'closed' && next < total) feed(open());
      else if (job.mode === 'open' && waiting.length > 0) feed(open());
    }

    if (total === 0) return finish();

    if (job.mode === 'closed') {
      const count = Math.min(job.connections ?? 50, total);
      for (let i = 0; i < count; i++) feed(open());
      return;
    }

    // Open loop: release every request that is due, on a 1 ms clock.
    const rate = job.rate ?? 1000;
    const maxConnections = job.maxConnections ?? 1000;
    const tick = () => {
      const elapsed = now() - startedAt;
      const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
      while (next < due) {
        const index = next++;
        const pending: Pending = { index, startedAt: startedAt + (index * 1000) / rate };
        let connection = idle.pop();
        while (connection?.closed) connection = idle.pop();
        if (connection) {
          connection.send(pending, job.requests[index]);
        } else {
          waiting.push(pending);
          if (connections.size < maxConnections) feed(open());
        }
      }
      if (next < total) setTimeout(tick, 1);
    };
    tick();
  });
}

// As a child process: take one job per message, answer with its result.
if (require.main === module && process.send) {
  process.on('message', (job: LoadJob) => {
    void runLoad(job).then((result) => process.send!(result));
  });
}
