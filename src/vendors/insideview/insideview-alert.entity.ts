import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Subscription } from '../../subscriptions/subscription.entity';

export enum AlertFetchState {
  Pending = 'pending',
  /** Leased by one instance's fetch job until lease_expires_at. */
  Fetching = 'fetching',
  Fetched = 'fetched',
  /** Gave up after ALERT_FETCH_MAX_ATTEMPTS; POST …/retry re-queues it. */
  Failed = 'failed',
}

/** One InsideView alert notification and the fetch of its details. This table is the fetch job's queue. */
@Entity({ name: 'insideview_alerts' })
@Index('UQ_insideview_alerts_subscription_alert', ['subscriptionId', 'alertId'], { unique: true })
@Index('IDX_insideview_alerts_queue', ['state', 'nextAttemptAt'])
export class InsideViewAlert {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @ManyToOne(() => Subscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: Subscription;

  /** The webhook event that carried the notification. */
  @Column({ name: 'event_id', type: 'bigint', nullable: true })
  eventId: string | null;

  @Column({ name: 'alert_id', type: 'varchar', length: 100 })
  alertId: string;

  /** InsideView's own subscription id, the one its API is called with. */
  @Column({ name: 'vendor_subscription_id', type: 'varchar', length: 200 })
  vendorSubscriptionId: string;

  @Column({ name: 'alert_date', type: 'timestamptz', nullable: true })
  alertDate: Date | null;

  @Column({ name: 'alert_type', type: 'varchar', length: 64, nullable: true })
  alertType: string | null;

  @Column({ type: 'varchar', length: 16, default: AlertFetchState.Pending })
  state: AlertFetchState;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'lease_owner', type: 'varchar', length: 100, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** Every page merged: `{subscriptionType, totalResults, pages, companyIds | peopleIds}`. */
  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', nullable: true })
  fetchedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
