import { randomUUID } from 'node:crypto';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { startCursor } from '../../src/delivery/delivery-fanout';
import { generateSigningSecret } from '../../src/delivery/delivery-signer';
import { Destination, type DestinationFilter, type DestinationFormat, type DestinationOrdering } from '../../src/delivery/destination.entity';
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

/**
 * Creates a destination. For now through the app's own repository (with the fan-out's own start
 * cursor and signing-secret generator); to become POST /api/destinations once that API exists.
 */
export async function createDestination(app: TestApp, settings: DestinationSettings): Promise<{ id: string; signingSecret: string }> {
  const repository = app.app.get<Repository<Destination>>(getRepositoryToken(Destination));
  const dataSource = app.app.get<DataSource>(getDataSourceToken());
  const cursor = await startCursor(dataSource, settings.startFrom ?? 'now');
  const signingSecret = generateSigningSecret();
  const id = randomUUID();
  await repository.insert({
    id,
    name: settings.name ?? 'consumer',
    url: settings.url,
    filter: settings.filter ?? {},
    format: settings.format ?? 'envelope',
    headers: settings.headers ? JSON.stringify(settings.headers) : null,
    ordering: settings.ordering ?? 'none',
    maxConcurrency: settings.maxConcurrency ?? 10,
    rateLimitPerSecond: settings.rateLimitPerSecond ?? null,
    timeoutMs: settings.timeoutMs ?? 15_000,
    signingSecret,
    cursorXid: cursor.xid,
    cursorId: cursor.id,
  });
  return { id, signingSecret };
}
