import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { WebhookRejection } from './webhook-rejection.entity';

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
  @ApiProperty({ description: 'Newest first', type: [RejectionView] })
  data: RejectionView[];
}

/** At most one record per subscription this often, so a flood of bad requests is not a flood of writes. */
const MIN_INTERVAL_MS = 100;
const MAX_TRACKED = 10_000;

/** The last REJECTIONS_KEPT refused deliveries of each subscription: "why is my webhook failing?" */
@Injectable()
export class RejectionsService {
  private readonly logger = new Logger('Rejections');
  /** Only a write limiter: losing it (restart, another instance) loses nothing. */
  private readonly lastWrite = new Map<string, number>();

  constructor(
    @InjectRepository(WebhookRejection) private readonly rejections: Repository<WebhookRejection>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Records a rejection and drops the oldest beyond the limit, in one statement. Never throws. */
  async record(subscriptionId: string, rejection: Omit<RejectionView, 'receivedAt'>): Promise<void> {
    const now = Date.now();
    if (now - (this.lastWrite.get(subscriptionId) ?? 0) < MIN_INTERVAL_MS) return;
    if (this.lastWrite.size >= MAX_TRACKED) this.lastWrite.clear();
    this.lastWrite.set(subscriptionId, now);
    try {
      // The DELETE cannot see the row being inserted, so it keeps one fewer of the old ones.
      await this.rejections.query(
        `WITH inserted AS (
           INSERT INTO webhook_rejections (subscription_id, status, code, reason, request_id, remote_address)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
         )
         DELETE FROM webhook_rejections
          WHERE subscription_id = $1
            AND id < (SELECT min(id) FROM (SELECT id FROM webhook_rejections WHERE subscription_id = $1 ORDER BY id DESC LIMIT $7) kept)`,
        [subscriptionId, rejection.status, rejection.code.slice(0, 64), rejection.reason.slice(0, 500), rejection.requestId?.slice(0, 128) ?? null, rejection.remoteAddress?.slice(0, 100) ?? null, this.config.rejectionsKept - 1],
      );
    } catch (error) {
      this.logger.debug(`Could not record a rejection: ${(error as Error).message}`);
    }
  }

  async list(subscriptionId: string): Promise<RejectionView[]> {
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
}
