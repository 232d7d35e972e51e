import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Subscription } from './subscription.entity';

/**
 * A delivery the gateway refused, kept so an operator can see why a vendor's webhook is failing.
 * Only the last few per subscription are kept; never a secret or the body.
 */
@Entity({ name: 'webhook_rejections' })
@Index('IDX_webhook_rejections_subscription', ['subscriptionId', 'id'])
export class WebhookRejection {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId: string;

  @ManyToOne(() => Subscription, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: Subscription;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'int' })
  status: number;

  /** The error code answered (SIGNATURE_INVALID, REQUIRED_HEADER_MISSING, …). */
  @Column({ type: 'varchar', length: 64 })
  code: string;

  /** The message answered: which check failed or which header was missing. */
  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ name: 'remote_address', type: 'varchar', length: 100, nullable: true })
  remoteAddress: string | null;
}
