import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { TickBatcher } from '../events/tick-batcher';
import { NOT_DELETED, Subscription } from './subscription.entity';

/** Ids of one lookup query; a tick with more is read in several. */
const MAX_IDS = 500;
/** Lookup queries in flight at once (of the pool's connections). */
const MAX_IN_FLIGHT = 2;

/**
 * Reads the subscription a webhook names. Lookups made in the same event-loop tick are coalesced
 * into one `WHERE id IN (…)` query through the repository (so column transformers, e.g. secret
 * decryption, apply). Nothing is cached across ticks: each request's subscription is read after
 * the request arrived, so a disable or a secret rotation takes effect at once on every instance.
 */
@Injectable()
export class SubscriptionLookup {
  private readonly batcher = new TickBatcher<string, Subscription | null>((ids) => this.findMany(ids), {
    maxItems: MAX_IDS,
    maxInFlight: MAX_IN_FLIGHT,
  });

  constructor(@InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>) {}

  find(id: string): Promise<Subscription | null> {
    return this.batcher.submit(id);
  }

  private async findMany(ids: string[]): Promise<Array<Subscription | null>> {
    const rows = await this.subscriptions.findBy({ ...NOT_DELETED, id: In([...new Set(ids)]) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    // Requests for the same subscription in one tick share its row: the webhook path only reads it.
    return ids.map((id) => byId.get(id) ?? null);
  }
}
