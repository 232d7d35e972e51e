import type { Request } from 'express';
import type { Subscription } from '../subscriptions/subscription.entity';

/** A webhook request after Nest's body parser (raw bytes kept) and the signature guard (subscription found). */
export interface WebhookRequest extends Request {
  rawBody?: Buffer;
  subscription?: Subscription;
}
