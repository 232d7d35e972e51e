import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Subscription } from './subscription.entity';

/** Reads the subscription a webhook names, through the repository (so column transformers apply). */
@Injectable()
export class SubscriptionLookup {
  constructor(@InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>) {}

  find(id: string): Promise<Subscription | null> {
    return this.subscriptions.findOneBy({ id });
  }
}
