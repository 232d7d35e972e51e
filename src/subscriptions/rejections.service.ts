import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { WebhookRejection } from './webhook-rejection.entity';
import { storableText } from '../common/api-validation.pipe';

/** One refused delivery: when, the answer's status and code, and which check failed. Never the body or a secret. */
export class RejectionView {
  @ApiProperty({ format: 'date-time' })
  receivedAt: string;

  @ApiProperty({ description: 'The status answered', type: 'integer', example: 401 })
  status: number;

  @ApiProperty({ description: 'The error code answered', example: 'REQUIRED_HEADER_MISSING' })
  code: string;

  @ApiProperty({ description: 'The message answered: which check failed or which header was missing', example: 'The required header Authorization is missing' })
  reason: string;

  @ApiProperty({ description: 'X-Request-Id of the delivery, to find its log line', type: String, nullable: true })
  requestId: string | null;

  @ApiProperty({ type: String, nullable: true, example: '192.0.2.10' })
  remoteAddress: string | null;
}

export class RejectionList {
  @ApiProperty({
    description: 'The last REJECTIONS_KEPT refusals, newest first: every one, also those refused before the signature check (413, malformed JSON, 415, 410)',
    type: [RejectionView],
  })
  data: RejectionView[];
}

/**
 * How often each instance writes the refusals it has seen: one statement per interval, whatever
 * the rate of refusals, so a flood of bad deliveries is not a flood of writes.
 */
const FLUSH_INTERVAL_MS = 100;
/**
 * Refusals one instance holds before they are written. Reached only when the database is slow or
 * down (or by a flood across thousands of subscriptions within one interval); a refusal beyond it
 * is not recorded, and counted in webhook_rejections_unrecorded_total.
 */
const MAX_PENDING = 10_000;

/** A refusal of a delivery to the subscription a webhook path names (`/webhooks/{vendor}/{id}`). */
export interface RejectionTarget {
  vendor: string;
  subscriptionId: string;
}

interface Pending extends RejectionTarget {
  /** Oldest first, at most REJECTIONS_KEPT: older ones would be dropped as soon as written. */
  rows: RejectionView[];
}

/**
 * The last REJECTIONS_KEPT refused deliveries of each subscription: "why is my webhook failing?"
 * Every refusal is recorded, none sampled: each instance collects them in memory and writes them
 * every FLUSH_INTERVAL_MS in one statement, which also drops the oldest beyond the limit. Of one
 * subscription's refusals within an interval only the last REJECTIONS_KEPT are written, since the
 * list could show no more; so the writes are bounded by the interval, not by the rate of requests.
 * The statement keeps only refusals whose path names an existing subscription of that vendor, so
 * a refusal made before the subscription was looked up (413, malformed JSON) costs no query of
 * its own. Reading the list first writes what this instance holds; another instance's refusals
 * appear within one interval.
 */
@Injectable()
export class RejectionsService implements OnModuleDestroy {
  private readonly logger = new Logger('Rejections');
  private pending = new Map<string, Pending>();
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The last write started or queued, and the one queued behind it, if any (it takes all pending rows). */
  private lastWrite: Promise<void> = Promise.resolve();
  private queuedWrite: Promise<void> | undefined;

  constructor(
    @InjectRepository(WebhookRejection) private readonly rejections: Repository<WebhookRejection>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records a refusal, to be written within FLUSH_INTERVAL_MS. Returns false when it could not be
   * kept (MAX_PENDING reached). Never throws.
   */
  record(target: RejectionTarget, rejection: Omit<RejectionView, 'receivedAt'>): boolean {
    const key = `${target.vendor}/${target.subscriptionId.toLowerCase()}`;
    let entry = this.pending.get(key);
    const full = this.pendingCount >= MAX_PENDING;
    if (!entry) {
      if (full) return false;
      entry = { vendor: target.vendor, subscriptionId: target.subscriptionId, rows: [] };
      this.pending.set(key, entry);
    }
    let kept = true;
    if (entry.rows.length >= this.config.rejectionsKept || full) {
      kept = entry.rows.length >= this.config.rejectionsKept;
      entry.rows.shift();
      this.pendingCount -= 1;
    }
    entry.rows.push({
      receivedAt: new Date().toISOString(),
      status: rejection.status,
      code: storableText(rejection.code, 64),
      reason: storableText(rejection.reason, 500),
      requestId: rejection.requestId === null ? null : storableText(rejection.requestId, 128),
      remoteAddress: rejection.remoteAddress === null ? null : storableText(rejection.remoteAddress, 100),
    });
    this.pendingCount += 1;
    if (!this.timer && !this.queuedWrite) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
    return kept;
  }

  /** Writes every refusal this instance holds; resolves once written (or failed: they are diagnostics). */
  flush(): Promise<void> {
    if (!this.queuedWrite) {
      const write = this.lastWrite.then(() => {
        this.queuedWrite = undefined;
        return this.write();
      });
      this.queuedWrite = write;
      this.lastWrite = write;
    }
    return this.queuedWrite;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  async list(subscriptionId: string): Promise<RejectionView[]> {
    await this.flush();
    const rows = await this.rejections.find({ where: { subscriptionId }, order: { id: 'DESC' }, take: this.config.rejectionsKept });
    return rows.map((row) => ({
      receivedAt: row.receivedAt.toISOString(),
      status: row.status,
      code: row.code,
      reason: row.reason,
      requestId: row.requestId,
      remoteAddress: row.remoteAddress,
    }));
  }

  private async write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.pendingCount = 0;
    const rows = batch.flatMap(({ vendor, subscriptionId, rows }) => rows.map((row) => ({ vendor, subscriptionId, ...row }))).map((row, ord) => ({ ...row, ord }));
    try {
      // One statement: insert in order (ids order the list), then drop each subscription's oldest
      // beyond the limit. The DELETE cannot see the rows being inserted, so it keeps that many fewer.
      await this.rejections.query(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
             "ord" int, "vendor" text, "subscriptionId" uuid, "receivedAt" timestamptz, "status" int, "code" text, "reason" text, "requestId" text, "remoteAddress" text)
         ), inserted AS (
           INSERT INTO webhook_rejections (subscription_id, received_at, status, code, reason, request_id, remote_address)
           SELECT i."subscriptionId", i."receivedAt", i."status", i."code", i."reason", i."requestId", i."remoteAddress"
             FROM input i JOIN subscriptions s ON s.id = i."subscriptionId" AND s.vendor = i."vendor" AND s.deleted_at IS NULL
            ORDER BY i.ord
           RETURNING subscription_id
         ), added AS (
           SELECT subscription_id, count(*) AS n FROM inserted GROUP BY subscription_id
         )
         DELETE FROM webhook_rejections r
          USING (SELECT w.id, a.n, row_number() OVER (PARTITION BY w.subscription_id ORDER BY w.id DESC) AS newer
                   FROM webhook_rejections w JOIN added a ON a.subscription_id = w.subscription_id) old
          WHERE r.id = old.id AND old.newer > $2 - old.n`,
        [JSON.stringify(rows), this.config.rejectionsKept],
      );
    } catch (error) {
      this.logger.warn(`Could not record ${rows.length} refused deliveries: ${(error as Error).message}`);
    }
  }
}
