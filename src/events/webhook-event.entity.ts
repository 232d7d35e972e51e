import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Subscription } from '../subscriptions/subscription.entity';

export enum WebhookEventStatus {
  Accepted = 'accepted',
  /** Authentic, but the body did not match the vendor's documented shape. */
  Quarantined = 'quarantined',
}

@Entity({ name: 'webhook_events' })
@Index('UQ_webhook_events_subscription_dedupe', ['subscriptionId', 'dedupeKey'], { unique: true })
@Index('IDX_webhook_events_feed', ['createdXid', 'id'])
@Index('IDX_webhook_events_vendor_feed', ['vendor', 'createdXid', 'id'])
// Counts over a time range (the console's overview and chart: GET /api/events/stats, /api/subscriptions/stats).
@Index('IDX_webhook_events_received_at', ['receivedAt'])
export class WebhookEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** Null once the subscription is deleted: its events are kept. */
  @Column({ name: 'subscription_id', type: 'uuid', nullable: true })
  subscriptionId: string | null;

  @ManyToOne(() => Subscription, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: Subscription | null;

  @Column({ type: 'varchar', length: 32 })
  vendor: string;

  @Column({ name: 'event_type', type: 'varchar', length: 200, nullable: true })
  eventType: string | null;

  @Column({ name: 'dedupe_key', type: 'varchar', length: 300 })
  dedupeKey: string;

  @Column({ type: 'varchar', length: 16 })
  status: WebhookEventStatus;

  @Column({ name: 'validation_errors', type: 'jsonb', nullable: true })
  validationErrors: string[] | null;

  /** When the vendor says it happened (from the payload), not when it arrived. */
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'jsonb', default: {} })
  headers: Record<string, string>;

  /** The parsed body; null only when PostgreSQL's jsonb cannot hold it (raw_body always can). */
  // GET /api/events?payload=… (jsonb @>): GIN with jsonb_path_ops, which TypeORM cannot declare, so
  // the migration makes it and the schema check leaves it be.
  @Index('IDX_webhook_events_payload', { synchronize: false })
  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;

  /** Sent by the gateway's own test-event (or the simulate script): consumers may skip it. */
  @Column({ name: 'is_test', type: 'boolean', default: false })
  isTest: boolean;

  @Column({ name: 'raw_body', type: 'bytea' })
  rawBody: Buffer;

  /**
   * The inserting transaction's id (xid8 as bigint). The feed is ordered by it and only hands out
   * rows below the commit horizon (EventsService.commitHorizon), so a cursor never skips a row
   * that commits late.
   */
  @Column({ name: 'created_xid', type: 'bigint', select: false })
  createdXid: string;
}
