import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the consumer received. */
export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Date.now() when it arrived. */
  at: number;
  /** Whether `standardwebhooks`' Webhook.verify accepted it with the consumer's secret. */
  verified: boolean;
}

/** What to answer: a status (with headers and body), or `hang` (never answer). */
export type ConsumerAnswer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

/**
 * An internal service receiving deliveries: a real HTTP server on loopback that verifies every
 * request with the `standardwebhooks` package (not with the gateway's code) and records it.
 */
export class Consumer {
  readonly received: ReceivedWebhook[] = [];
  /** Requests being answered right now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  secrets: string[] = [];
  respond: (hook: ReceivedWebhook, attempt: number) => ConsumerAnswer | Promise<ConsumerAnswer> = () => ({ status: 200 });

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hooks'): Promise<Consumer> {
    let consumer!: Consumer;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        consumer.inFlight += 1;
        consumer.maxInFlight = Math.max(consumer.maxInFlight, consumer.inFlight);
        const body = Buffer.concat(chunks);
        const hook: ReceivedWebhook = { id: String(request.headers['webhook-id']), headers: request.headers, body, at: Date.now(), verified: consumer.verify(body, request.headers) };
        const attempt = consumer.received.filter((earlier) => earlier.id === hook.id).length + 1;
        consumer.received.push(hook);
        let answer: ConsumerAnswer;
        try {
          answer = await consumer.respond(hook, attempt);
        } catch {
          answer = { status: 500 };
        }
        if (answer === 'hang') {
          response.on('close', () => (consumer.inFlight -= 1));
          return;
        }
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        consumer.inFlight -= 1;
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    consumer = new Consumer(server, `http://127.0.0.1:${port}${path}`);
    return consumer;
  }

  private verify(body: Buffer, headers: IncomingHttpHeaders): boolean {
    const plain = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
    return this.secrets.some((secret) => {
      try {
        new Webhook(secret).verify(body, plain);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** Requests for one webhook-id (event id), in arrival order. */
  of(eventId: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.id === eventId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
