import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A vendor's rate-limit pause, shared by every instance: InsideView locks out all of an account's
 * tokens when one is throttled, so a 429 seen by one instance must pause the others too.
 */
@Entity({ name: 'vendor_throttles' })
export class VendorThrottle {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  vendor: string;

  @Column({ name: 'paused_until', type: 'timestamptz' })
  pausedUntil: Date;
}
