import type { DestinationFilter, DestinationFormat, DestinationOrdering } from '../../src/delivery/destination.entity';
import type { TestApp } from './test-app';

export interface DestinationSettings {
  name?: string;
  url: string;
  filter?: DestinationFilter;
  format?: DestinationFormat;
  headers?: Record<string, string>;
  ordering?: DestinationOrdering;
  maxConcurrency?: number;
  rateLimitPerSecond?: number;
  timeoutMs?: number;
  startFrom?: string;
}

/** Creates a destination through the API, as an operator would: its id and the signing secret shown once. */
export async function createDestination(app: Pick<TestApp, 'api'>, settings: DestinationSettings): Promise<{ id: string; signingSecret: string }> {
  const response = await app.api('post', '/api/destinations', { name: 'consumer', ...settings });
  if (response.status !== 201) throw new Error(`POST /api/destinations answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { id: response.body.id, signingSecret: response.body.signingSecret };
}
