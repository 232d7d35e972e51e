import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookEvent } from '../events/webhook-event.entity';
import { Destination } from './destination.entity';

export enum DeliveryState {
  Pending = 'pending',
  Delivered = 'delivered',
  /** The dead-letter state: out of attempts or too old; kept for retry and replay. */
  Failed = 'failed',
  /**
   * Ended by an operator (one delivery, or a cancel by filter) or by deleting its destination: never
   * sent again unless retried or replayed, as a failed one; an attempt in flight when it was cancelled
   * changes nothing (the worker records an outcome only on a delivery still pending).
   */
  Cancelled = 'cancelled',
}

/** One event to one destination: queued by the fan-out, leased by one instance at a time while attempted. */
@Entity({ name: 'deliveries' })
@Index('UQ_deliveries_destination_event', ['destinationId', 'eventId'], { unique: true })
@Index('IDX_deliveries_due', ['nextAttemptAt', 'id'], { where: `"state" = 'pending'` })
@Index('IDX_deliveries_ordering', ['destinationId', 'subscriptionId', 'eventXid', 'eventId'], { where: `"state" = 'pending'` })
@Index('IDX_deliveries_event', ['eventId'])
@Index('IDX_deliveries_leased', ['destinationId', 'leasedUntil'], { where: `"state" = 'pending' AND "leased_until" IS NOT NULL` })
export class Delivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'destination_id', type: 'uuid' })
  destinationId: string;

  @ManyToOne(() => Destination, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'destination_id' })
  destination?: Destination;

  @Column({ name: 'event_id', type: 'bigint' })
  eventId: string;

  @ManyToOne(() => WebhookEvent, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id' })
  event?: WebhookEvent;

  /** The event's subscription and feed position, copied for `ordering: subscription`. */
  @Column({ name: 'subscription_id', type: 'uuid', nullable: true })
  subscriptionId: string | null;

  @Column({ name: 'event_xid', type: 'bigint' })
  eventXid: string;

  @Column({ type: 'varchar', length: 16, default: DeliveryState.Pending })
  state: DeliveryState;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** Answers 429/503 with Retry-After, ever: not counted in attempts, so a throttling destination does not use up the retries. */
  @Column({ type: 'int', default: 0 })
  throttles: number;

  /** The first attempt of the current round (set by the claim when attempts was 0: a retry or replay starts a new round). */
  @Column({ name: 'round_started_at', type: 'timestamptz', nullable: true })
  roundStartedAt: Date | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /** While set and in the future, one instance is attempting it. */
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil: Date | null;

  @Column({ name: 'leased_by', type: 'varchar', length: 64, nullable: true })
  leasedBy: string | null;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}
