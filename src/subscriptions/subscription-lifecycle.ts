import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { SubscriptionStatus } from './subscription-status';
import { pickColumns, Subscription } from './subscription.entity';

/**
 * Every status transition of a subscription, with its rule, in one place:
 *
 * - created: VERIFICATION_PENDING.
 * - first authentic delivery: VERIFICATION_PENDING → ACTIVE, in the statement that stores the event
 *   (the event writer takes its SQL from `activationOnDelivery`); never for a vendor that owns the status.
 * - the vendor's HEAD check: VERIFICATION_PENDING → ACTIVE, for a vendor whose HEAD check proves the
 *   URL is registered (`activateOnHead`), never for one that owns the status.
 * - operator disable: → DISABLED by the operator, with a reason; a second disable keeps the first reason.
 * - operator enable: → ACTIVE if it was ever verified, else VERIFICATION_PENDING; for a vendor that
 *   owns the status, VERIFICATION_PENDING until its next sync.
 * - vendor-owned status mirrored: whatever the vendor says, unless an operator disabled it meanwhile
 *   (the operator's switch wins over a sync that was in flight).
 *
 * Deliveries are refused (410) only while an operator has it disabled: one the vendor disabled still
 * answers, so the vendor can check it again.
 */

/** Code stored when an operator disables a subscription without giving one. */
export const OPERATOR_DISABLED_CODE = 'OPERATOR_DISABLED';

const PENDING = SubscriptionStatus.VerificationPending;
const ACTIVE = SubscriptionStatus.Active;
const DISABLED = SubscriptionStatus.Disabled;

/** The columns a vendor's status sync writes. */
export const MIRRORED_STATUS = ['status', 'disabledBy', 'disableReasonErrorCode', 'disableReasonMessage', 'verifiedAt', 'vendorSyncedAt'] as const;

/** Whether the vendor owns the status: it is mirrored from the vendor, and nothing here activates it. */
export function ownsStatus(vendor: VendorDefinition): boolean {
  return vendor.ownsStatus === true;
}

/** Whether a first authentic delivery turns a pending subscription of this vendor ACTIVE. */
export function activatesOnDelivery(vendor: VendorDefinition): boolean {
  return !ownsStatus(vendor);
}

/** Whether deliveries are refused (410): an operator disabled it (one the vendor disabled still answers). */
export function refusesDeliveries(subscription: Subscription): boolean {
  return subscription.status === DISABLED && subscription.disabledBy !== 'vendor';
}

/**
 * SQL condition: an operator disabled the subscription (a row from before disabled_by existed counts
 * as one). `row` qualifies the columns, e.g. `s`.
 */
export function disabledByOperatorSql(row?: string): string {
  const column = (name: string) => (row ? `${row}.${name}` : name);
  return `(${column('status')} = '${DISABLED}' AND COALESCE(${column('disabled_by')}, 'operator') = 'operator')`;
}

/**
 * The first authentic delivery, as SQL for the statement that stores the event: `row` is the
 * subscriptions row being updated, `activate` the boolean expression saying whether its vendor lets a
 * delivery activate (activatesOnDelivery).
 */
export const activationOnDelivery = {
  /** Whether the row changes status (so it must be locked and updated). */
  due: (row: string, activate: string): string => `(${activate} AND ${row}.status = '${PENDING}')`,
  /** The assignments of the UPDATE's SET list. */
  set: (row: string, activate: string): string =>
    `status = CASE WHEN ${activationOnDelivery.due(row, activate)} THEN '${ACTIVE}' ELSE ${row}.status END, ` +
    `verified_at = CASE WHEN ${activate} THEN COALESCE(${row}.verified_at, now()) ELSE ${row}.verified_at END`,
};

/** The operator's reason for a disable; what is not given gets the defaults. */
export interface DisableReason {
  code?: string;
  message?: string;
}

/** Applies the transitions to stored subscriptions, each as one conditional UPDATE. */
@Injectable()
export class SubscriptionLifecycle {
  constructor(@InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>) {}

  /** A vendor's HEAD check proves the URL is registered: a pending subscription becomes ACTIVE. */
  async headChecked(vendor: VendorDefinition, subscription: Subscription): Promise<void> {
    if (!vendor.activateOnHead || ownsStatus(vendor) || subscription.status !== PENDING) return;
    await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ status: ACTIVE, verifiedAt: () => 'COALESCE(verified_at, now())' })
      .where('id = :id AND status = :pending', { id: subscription.id, pending: PENDING })
      .execute();
  }

  /**
   * Idempotent: a subscription an operator already disabled stays as it is, with the first reason
   * (enable it first to give another). One conditional UPDATE, so of two concurrent calls the first
   * to commit sets the reason and the other finds the row already disabled.
   */
  async disable(subscription: Subscription, reason: DisableReason): Promise<void> {
    await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({
        status: DISABLED,
        disabledBy: 'operator',
        disableReasonErrorCode: reason.code ?? OPERATOR_DISABLED_CODE,
        disableReasonMessage: reason.message ?? 'Disabled by an operator',
      })
      .where('id = :id', { id: subscription.id })
      .andWhere(`NOT ${disabledByOperatorSql()}`)
      .execute();
  }

  /** Back to ACTIVE if it ever was; for a vendor that owns the status, pending until the next sync. */
  async enable(vendor: VendorDefinition, subscription: Subscription): Promise<void> {
    const mirrored = ownsStatus(vendor);
    await this.subscriptions.update(
      { id: subscription.id },
      {
        status: subscription.verifiedAt && !mirrored ? ACTIVE : PENDING,
        disabledBy: null,
        disableReasonErrorCode: null,
        disableReasonMessage: null,
        ...(mirrored && { vendorSyncedAt: null }),
      },
    );
  }

  /**
   * Stores a status read from the vendor, unless an operator disabled the subscription meanwhile:
   * the operator's switch wins over a sync that was in flight. Returns whether it was stored.
   */
  async saveMirroredStatus(subscription: Subscription): Promise<boolean> {
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set(pickColumns(subscription, MIRRORED_STATUS))
      .where('id = :id AND deleted_at IS NULL', { id: subscription.id })
      .andWhere(`NOT ${disabledByOperatorSql()}`)
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
