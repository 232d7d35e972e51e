import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { VendorThrottle } from './vendor-throttle.entity';

const VENDOR = 'insideview';

/**
 * InsideView's 429 pause, kept in the database so every instance honours one instance's 429. It is
 * read before every call (one primary-key lookup, small next to the call itself), so no call slips
 * through after another instance was throttled.
 */
@Injectable()
export class InsideViewThrottle {
  /** This instance's own latest pause, in case the database write of it was lost. */
  private ownUntil = 0;

  constructor(@InjectRepository(VendorThrottle) private readonly throttles: Repository<VendorThrottle>) {}

  /** Epoch ms until which no call may be made (in the past when not paused). */
  async pausedUntil(): Promise<number> {
    if (this.ownUntil > Date.now()) return this.ownUntil;
    const row = await this.throttles.findOneBy({ vendor: VENDOR });
    return row?.pausedUntil.getTime() ?? 0;
  }

  /** Extends the shared pause to `until` (never shortens it). */
  async pause(until: number): Promise<void> {
    this.ownUntil = Math.max(this.ownUntil, until);
    await this.throttles.query(
      `INSERT INTO vendor_throttles (vendor, paused_until) VALUES ($1, $2)
       ON CONFLICT (vendor) DO UPDATE SET paused_until = GREATEST(vendor_throttles.paused_until, EXCLUDED.paused_until)`,
      [VENDOR, new Date(until)],
    );
  }
}
