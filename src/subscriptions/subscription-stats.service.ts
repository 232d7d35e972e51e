import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { SubscriptionStatsQuery } from './dto/subscription-stats.query';

const DAY_MS = 86_400_000;
/** The widest window counted: the index on received_at keeps it one range scan, but not an unbounded one. */
const MAX_WINDOW_MS = 7 * DAY_MS;

export class SubscriptionCounts {
  @ApiProperty({ format: 'uuid' })
  subscriptionId: string;

  @ApiProperty({ description: 'Events stored since `since` (test events included)', type: 'integer', example: 42 })
  events: number;

  @ApiProperty({ description: 'Of those, the ones quarantined', type: 'integer', example: 1 })
  quarantined: number;

  @ApiProperty({ description: 'Refused deliveries since `since`, among the last REJECTIONS_KEPT kept', type: 'integer', example: 3 })
  rejections: number;
}

export class SubscriptionStats {
  @ApiProperty({ format: 'date-time' })
  since: string;

  @ApiProperty({ description: 'Subscriptions with any event or refusal since `since`; any other counted none', type: [SubscriptionCounts] })
  data: SubscriptionCounts[];
}

/** Per-subscription counts over a recent window, for an overview of which are healthy. */
@Injectable()
export class SubscriptionStatsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async counts(query: SubscriptionStatsQuery, now = new Date()): Promise<SubscriptionStats> {
    const since = query.since ? new Date(query.since) : new Date(now.getTime() - DAY_MS);
    if (since.getTime() < now.getTime() - MAX_WINDOW_MS) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, 'since must be within the last 7 days');
    }
    const rows = (await this.dataSource.query(
      `SELECT s.id AS "subscriptionId",
              COALESCE(e.events, 0)::int AS events,
              COALESCE(e.quarantined, 0)::int AS quarantined,
              COALESCE(r.rejections, 0)::int AS rejections
         FROM subscriptions s
         LEFT JOIN (SELECT subscription_id, count(*) AS events, count(*) FILTER (WHERE status = 'quarantined') AS quarantined
                      FROM webhook_events WHERE received_at >= $1 GROUP BY subscription_id) e ON e.subscription_id = s.id
         LEFT JOIN (SELECT subscription_id, count(*) AS rejections
                      FROM webhook_rejections WHERE received_at >= $1 GROUP BY subscription_id) r ON r.subscription_id = s.id
        WHERE s.deleted_at IS NULL AND (e.events IS NOT NULL OR r.rejections IS NOT NULL)
        ORDER BY s.created_at, s.id`,
      [since],
    )) as SubscriptionCounts[];
    return { since: since.toISOString(), data: rows };
  }
}
