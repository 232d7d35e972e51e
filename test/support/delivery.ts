import { sendRaw } from './raw-http';
import { walnutSignature } from './signing';
import type { CreatedSubscription } from './subscriptions';
import type { Queryable } from './test-database';

/** A Walnut event body, accepted unless `quarantined`. */
export function walnutBody(tag: string, quarantined = false): Buffer {
  if (quarantined) return Buffer.from(JSON.stringify({ test: true, tag }));
  return Buffer.from(JSON.stringify({ event: 'demo_session_finished', timestamp: '2024-05-01T10:00:00Z', data: { demo: { id: 'd1' }, session_id: tag } }));
}

/** Sends a signed Walnut webhook over HTTP and returns the stored event's id. */
export async function ingestWalnut(
  baseUrl: string,
  subscription: Pick<CreatedSubscription, 'id' | 'secret'>,
  body: Buffer,
  options: { test?: boolean; contentType?: string } = {},
): Promise<string> {
  const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/json', 'X-Walnut-Signature': walnutSignature(subscription.secret!, body) };
  if (options.test) headers['X-Gateway-Test-Event'] = 'true';
  const response = await sendRaw(baseUrl, 'POST', `/webhooks/walnut/${subscription.id}`, { headers, body });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${response.text}`);
  return String(response.body.eventId);
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  state: string;
  attempts: number;
  leased_until: Date | null;
  leased_by: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
}

export async function deliveryOf(db: Queryable, destinationId: string, eventId: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.query<DeliveryRow>(
    'SELECT id::text, event_id::text, state, attempts, leased_until, leased_by, last_status_code, last_error, delivered_at FROM deliveries WHERE destination_id = $1 AND event_id = $2',
    [destinationId, eventId],
  );
  return row;
}

export async function deliveriesOf(db: Queryable, destinationId: string): Promise<DeliveryRow[]> {
  return db.query<DeliveryRow>(
    'SELECT id::text, event_id::text, state, attempts, leased_until, leased_by, last_status_code, last_error, delivered_at FROM deliveries WHERE destination_id = $1 ORDER BY event_id',
    [destinationId],
  );
}

export async function attemptLog(db: Queryable, deliveryId: string) {
  return db.query<{ at: Date; status_code: number | null; duration_ms: number; response_headers: Record<string, string>; response_body: string | null; error: string | null }>(
    'SELECT at, status_code, duration_ms, response_headers, response_body, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id',
    [deliveryId],
  );
}

export async function destinationRow(db: Queryable, destinationId: string) {
  const [row] = await db.query('SELECT * FROM destinations WHERE id = $1', [destinationId]);
  return row;
}
