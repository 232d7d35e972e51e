import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IntervalJob } from '../../common/interval-job';
import { SubscriptionStatus } from '../../subscriptions/subscription-status';
import { NOT_DELETED, Subscription } from '../../subscriptions/subscription.entity';
import { disabledByOperatorSql, SubscriptionLifecycle } from '../../subscriptions/subscription-lifecycle';
import { queryRows } from '../../database/query-rows';
import { InsideViewApiClient } from './insideview-api.client';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { INSIDEVIEW_CONFIG, type InsideViewConfig } from './insideview.config';

const JOB = 'insideview-status-sync';
const BATCH = 50;

/**
 * Polls InsideView for its subscriptions' status and mirrors it: pending ones often (InsideView's
 * HEAD check can come minutes after creation), the others now and then. Each subscription is claimed by one instance per
 * interval (vendor_synced_at, FOR UPDATE SKIP LOCKED), however many instances tick.
 */
@Injectable()
export class InsideViewStatusSyncJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('InsideViewStatusSync');
  /** One pass at a time; overlapping ticks are skipped. */
  private readonly job: IntervalJob;

  constructor(
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly insideview: InsideViewSubscriptionsService,
    private readonly lifecycle: SubscriptionLifecycle,
    private readonly client: InsideViewApiClient,
    scheduler: SchedulerRegistry,
    @Inject(INSIDEVIEW_CONFIG) private readonly config: InsideViewConfig,
  ) {
    this.job = new IntervalJob(scheduler, JOB, () => this.syncDue(), (error) => this.logger.warn(`Status sync failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    if (this.client.configured) this.job.start(this.config.statusSyncIntervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  private async syncDue(): Promise<void> {
    if (await this.client.throttledUntil()) return;
    // Pending ones every interval; the others (ACTIVE, or disabled by InsideView, which can
    // re-enable them) every tenth, to notice a change. An operator's disable is never overridden.
    const claimed = await queryRows<{ id: string }>(
      this.subscriptions.manager.connection,
      `UPDATE subscriptions SET vendor_synced_at = now()
        WHERE id IN (
          SELECT id FROM subscriptions
           WHERE vendor = 'insideview' AND vendor_ref IS NOT NULL AND deleted_at IS NULL
             AND NOT ${disabledByOperatorSql()}
             AND (vendor_synced_at IS NULL
                  OR vendor_synced_at < now() - $1 * CASE WHEN status = '${SubscriptionStatus.VerificationPending}' THEN 1 ELSE 10 END * interval '1 millisecond')
           ORDER BY vendor_synced_at NULLS FIRST
           LIMIT ${BATCH}
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [Math.floor(this.config.statusSyncIntervalMs * 0.9)],
    );
    for (const { id } of claimed) {
      const subscription = await this.subscriptions.findOneBy({ ...NOT_DELETED, id });
      if (!subscription) continue;
      await this.insideview.sync(subscription);
      await this.lifecycle.saveMirroredStatus(subscription);
    }
  }
}
