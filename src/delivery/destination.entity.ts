import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { encryptedText } from '../common/secret-cipher';

/** Which events a destination receives. Fields combine with AND, the values of one field with OR; absent = any. */
export interface DestinationFilter {
  vendors?: string[];
  subscriptionIds?: string[];
  eventTypes?: string[];
  /** Event statuses: `accepted` (the default) and/or `quarantined`. */
  statuses?: string[];
  /** Test events (test-event, simulate) are left out unless true. */
  includeTest?: boolean;
}

export enum DestinationStatus {
  Active = 'active',
  /** By an operator: events queue up, nothing is sent until resumed. */
  Paused = 'paused',
  /** By the gateway (410, or failing for DESTINATION_DISABLE_AFTER): events queue up until resumed. */
  Disabled = 'disabled',
}

export type DestinationFormat = 'envelope' | 'raw';
export type DestinationOrdering = 'none' | 'subscription';

/** An internal service that receives matching events as signed POSTs (Standard Webhooks). */
@Entity({ name: 'destinations' })
export class Destination {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 2000 })
  url: string;

  @Column({ type: 'jsonb', default: {} })
  filter: DestinationFilter;

  @Column({ type: 'varchar', length: 16, default: 'envelope' })
  format: DestinationFormat;

  /** Static headers sent with every attempt, as encrypted JSON; only their names are ever shown. */
  @Column({ type: 'text', nullable: true, transformer: encryptedText })
  headers: string | null;

  @Column({ type: 'varchar', length: 16, default: 'none' })
  ordering: DestinationOrdering;

  /** Ordering `subscription`: a head held back its subscription longer than this (from its round's first attempt) is failed. Null: no bound. */
  @Column({ name: 'ordering_max_hold_seconds', type: 'int', nullable: true })
  orderingMaxHoldSeconds: number | null;

  @Column({ name: 'max_concurrency', type: 'int', default: 10 })
  maxConcurrency: number;

  /** Null: unlimited. */
  @Column({ name: 'rate_limit_per_second', type: 'int', nullable: true })
  rateLimitPerSecond: number | null;

  @Column({ name: 'timeout_ms', type: 'int', default: 15000 })
  timeoutMs: number;

  /** `whsec_…`, encrypted at rest. */
  @Column({ name: 'signing_secret', type: 'text', transformer: encryptedText })
  signingSecret: string;

  @Column({ name: 'previous_signing_secret', type: 'text', nullable: true, transformer: encryptedText })
  previousSigningSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: DestinationStatus.Active })
  status: DestinationStatus;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 500, nullable: true })
  disabledReason: string | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** Set from a 429/503 Retry-After: nothing is sent to it before then. */
  @Column({ name: 'throttled_until', type: 'timestamptz', nullable: true })
  throttledUntil: Date | null;

  /** The first failed attempt since the last success; null while it succeeds. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  /** The fan-out's position in the event feed (created_xid, id): events after it are not yet queued. */
  @Column({ name: 'cursor_xid', type: 'bigint' })
  cursorXid: string;

  @Column({ name: 'cursor_id', type: 'bigint' })
  cursorId: string;

  /** Token bucket for rateLimitPerSecond, shared by every instance (updated under the row lock). */
  @Column({ name: 'rate_tokens', type: 'double precision', nullable: true })
  rateTokens: number | null;

  @Column({ name: 'rate_refilled_at', type: 'timestamptz', nullable: true })
  rateRefilledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Set by DELETE: it answers 404 everywhere and nothing more is sent; its deliveries are kept for the record. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

/** A destination's static headers (decrypted by the entity's column), as name → value; never logged. */
export function staticHeaders(destination: Pick<Destination, 'headers'>): Record<string, string> {
  if (!destination.headers) return {};
  const parsed = JSON.parse(destination.headers) as unknown;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
}
