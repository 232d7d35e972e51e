import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Column, CreateDateColumn, Entity, Index, IsNull, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { encryptedText, encryptedValues } from '../common/secret-cipher';
import { SubscriptionStatus } from './subscription-status';

/** How a vendor's deliveries are authenticated, where the vendor lets the customer choose. */
export interface SignatureSettings {
  /** Header that carries the signature or token (where the vendor lets the customer name it). */
  header?: string;
  /** `token`: the header holds the shared secret itself; `hmac-sha256`: a hex HMAC of the raw body. */
  scheme?: 'token' | 'hmac-sha256';
}

@Entity({ name: 'subscriptions' })
@Index('IDX_subscriptions_vendor_status', ['vendor', 'status'])
@Index('UQ_subscriptions_vendor_ref', ['vendor', 'vendorRef'], { unique: true, where: '"vendor_ref" IS NOT NULL AND "deleted_at" IS NULL' })
export class Subscription {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  vendor: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 32, default: SubscriptionStatus.VerificationPending })
  status: SubscriptionStatus;

  @Column({ name: 'disable_reason_code', type: 'varchar', length: 64, nullable: true })
  disableReasonErrorCode: string | null;

  @Column({ name: 'disable_reason_message', type: 'text', nullable: true })
  disableReasonMessage: string | null;

  /**
   * Who disabled it: an `operator` (deliveries get 410), or the `vendor` (its verdict, for one that owns the status,
   * mirrored: its HEAD check and alerts are still answered, so it can recover).
   */
  @Column({ name: 'disabled_by', type: 'varchar', length: 16, nullable: true })
  disabledBy: 'operator' | 'vendor' | null;

  /** The URL exactly as registered at the vendor (some vendors sign over it). */
  @Column({ name: 'callback_url', type: 'text' })
  callbackUrl: string;

  /** Encrypted at rest (AES-256-GCM, SECRETS_KEY); plaintext only in memory. */
  @Column({ type: 'text', nullable: true, transformer: encryptedText })
  secret: string | null;

  @Column({ name: 'previous_secret', type: 'text', nullable: true, transformer: encryptedText })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ type: 'jsonb', default: {} })
  signature: SignatureSettings;

  /** Headers every delivery must carry with exactly these values (compared in constant time); values encrypted at rest. */
  @Column({ name: 'required_headers', type: 'jsonb', default: {}, transformer: encryptedValues })
  requiredHeaders: Record<string, string>;

  @Column({ name: 'event_types', type: 'text', array: true, default: '{}' })
  eventTypes: string[];

  /** The vendor's own id for this subscription, where the gateway creates it at the vendor. */
  @Column({ name: 'vendor_ref', type: 'varchar', length: 200, nullable: true })
  vendorRef: string | null;

  @Column({ name: 'vendor_config', type: 'jsonb', default: {} })
  vendorConfig: Record<string, unknown>;

  /** When the vendor's view of this subscription was last asked for (status sync, for a vendor that owns the status). */
  @Column({ name: 'vendor_synced_at', type: 'timestamptz', nullable: true })
  vendorSyncedAt: Date | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  /** Refreshed at most once a minute per subscription, so busy subscriptions do not contend on it. */
  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /**
   * Set by DELETE: the row stays so its events keep their subscription id, but the subscription
   * answers 404 everywhere. A plain column, filtered explicitly (NOT_DELETED, `deleted_at IS NULL`
   * in SQL), so the raw SQL around it and the repository calls read alike.
   */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

/** The where-clause part that leaves deleted subscriptions out. */
export const NOT_DELETED = { deletedAt: IsNull() } as const;

/** Only the named columns of a subscription, as an update: a whole-row save would undo concurrent changes. */
export function pickColumns<K extends keyof Subscription>(subscription: Subscription, keys: readonly K[]): QueryDeepPartialEntity<Subscription> {
  return Object.fromEntries(keys.map((key) => [key, subscription[key]])) as QueryDeepPartialEntity<Subscription>;
}
