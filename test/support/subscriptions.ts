import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestApp } from './test-app';

export interface CreatedSubscription {
  id: string;
  secret?: string;
  callbackUrl: string;
  status: string;
  [key: string]: unknown;
}

/** Creates a subscription through the API and returns the create answer (with its one-time secret). */
export async function createSubscription(app: TestApp, body: Record<string, unknown>): Promise<CreatedSubscription> {
  const response = await app.api('post', '/api/subscriptions', { name: `${body.vendor} test`, ...body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as CreatedSubscription;
}

/** Every stored event, read through the public API. */
export async function listEvents(app: TestApp, query: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  const response = await app.api('get', `/api/events?${new URLSearchParams({ limit: '500', ...query })}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.data;
}

/**
 * Rows in the event table, read directly: the feed holds a row back while an older write to the
 * table is still in flight, so an empty feed alone would not prove that nothing was stored.
 */
export async function storedEvents(app: TestApp, subscriptionId: string, status?: string): Promise<number> {
  const [row] = await app.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM webhook_events WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)',
    [subscriptionId, status ?? null],
  );
  return row.n;
}

export async function assertNothingStored(app: TestApp, subscriptionId: string): Promise<void> {
  assert.equal(await storedEvents(app, subscriptionId), 0, 'nothing stored');
}

/** The subscription's events from /api/events, once the feed shows (at least) `count` of them. */
export async function feedOf(app: TestApp, subscriptionId: string, count: number, query: Record<string, string> = {}): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const events = await listEvents(app, { subscriptionId, ...query });
    if (events.length >= count || Date.now() > deadline) return events;
    await sleep(50);
  }
}
