import assert from 'node:assert/strict';
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
