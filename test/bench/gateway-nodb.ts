/**
 * The gateway for the benchmark's no-database mode: the real application (same factory, modules,
 * guards, body parser, validation, logging and metrics as `dist/src/main.js`), except that the two
 * places a webhook request touches the database are replaced at their seams: subscriptions are read
 * once at start and served from memory, and the event writer answers without storing. What remains
 * is the framework and the verify + validate work, to compare with the reference's.
 */
import 'reflect-metadata';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { startApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { EventWriter, type EventRow, type StoredEvent } from '../../src/events/event-writer';
import { SubscriptionLookup } from '../../src/subscriptions/subscription-lookup';
import { Subscription } from '../../src/subscriptions/subscription.entity';
import { runUntilSignalled } from './server-process';

runUntilSignalled(async () => {
  const app = await startApp(loadConfig(process.env));
  const rows = await app.get<Repository<Subscription>>(getRepositoryToken(Subscription)).find();
  const byId = new Map(rows.map((row) => [row.id, row]));
  SubscriptionLookup.prototype.find = async function (id: string): Promise<Subscription | null> {
    const found = byId.get(id);
    return found ? Object.assign(Object.create(Subscription.prototype) as Subscription, found) : null;
  };
  let nextId = 0;
  EventWriter.prototype.write = async function (row: EventRow): Promise<StoredEvent> {
    return { id: String(++nextId), status: row.status, duplicate: false };
  };
  return app;
});
