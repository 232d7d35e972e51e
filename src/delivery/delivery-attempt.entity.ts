import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Delivery } from './delivery.entity';

/** One POST to a destination and what came of it: the attempt log. */
@Entity({ name: 'delivery_attempts' })
@Index('IDX_delivery_attempts_delivery', ['deliveryId', 'id'])
// Destination health reads the last hour of attempts: this keeps it to that hour.
@Index('IDX_delivery_attempts_at', ['at'])
export class DeliveryAttempt {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'delivery_id', type: 'bigint' })
  deliveryId: string;

  @ManyToOne(() => Delivery, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id' })
  delivery?: Delivery;

  @Column({ type: 'timestamptz' })
  at: Date;

  /** Null when no answer came (timeout, connection, DNS). */
  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode: number | null;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs: number;

  @Column({ name: 'response_headers', type: 'jsonb', default: {} })
  responseHeaders: Record<string, string>;

  /** The first 4 KB of the answer's body. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error: string | null;

  /** Answered 429/503 with Retry-After: a throttle, not counted among the delivery's attempts. */
  @Column({ type: 'boolean', default: false })
  throttled: boolean;
}
