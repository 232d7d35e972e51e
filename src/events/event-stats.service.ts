import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { EventStatsQuery, StatBucket } from './dto/event-stats.query';
import { WebhookEvent } from './webhook-event.entity';

const BUCKET_MS: Record<StatBucket, number> = { minute: 60_000, hour: 3_600_000 };
/** A day of minutes: enough for the console's chart, small enough to stay one cheap query. */
export const MAX_STAT_BUCKETS = 1440;
const DEFAULT_SPAN_MS = 3 * 3_600_000;

export class EventCountPoint {
  @ApiProperty({ description: 'Start of the bucket (UTC)', format: 'date-time', example: '2024-01-01T10:05:00.000Z' })
  at: string;

  @ApiProperty({ description: 'Events received in the bucket, test and quarantined ones included', type: 'integer', example: 12 })
  count: number;
}

export class VendorEventSeries {
  @ApiProperty({ example: 'acme' })
  vendor: string;

  @ApiProperty({ description: 'Buckets with at least one event, oldest first (a missing bucket counted none)', type: [EventCountPoint] })
  points: EventCountPoint[];
}

export class EventStats {
  @ApiProperty({ format: 'date-time' })
  since: string;

  @ApiProperty({ format: 'date-time' })
  until: string;

  @ApiProperty({ enum: ['minute', 'hour'] })
  bucket: StatBucket;

  @ApiProperty({ description: 'One series per vendor that received events in the range', type: [VendorEventSeries] })
  series: VendorEventSeries[];
}

/** Counts of received events over time, for charts: one grouped query on the received_at index. */
@Injectable()
export class EventStatsService {
  constructor(@InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>) {}

  async perVendor(query: EventStatsQuery, now = new Date()): Promise<EventStats> {
    const bucket = query.bucket ?? 'minute';
    const until = query.until ? new Date(query.until) : now;
    const since = query.since ? new Date(query.since) : new Date(until.getTime() - DEFAULT_SPAN_MS);
    const span = until.getTime() - since.getTime();
    if (!(span > 0)) throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, 'since must be before until');
    if (span > MAX_STAT_BUCKETS * BUCKET_MS[bucket]) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, `The range holds more than ${MAX_STAT_BUCKETS} buckets of a ${bucket}: shorten it or use a wider bucket`);
    }
    const rows = (await this.events.query(
      `SELECT vendor, extract(epoch FROM date_trunc('${bucket}', received_at AT TIME ZONE 'UTC'))::float8 * 1000 AS at, count(*)::int AS count
         FROM webhook_events
        WHERE received_at >= $1 AND received_at < $2
        GROUP BY 1, 2
        ORDER BY 1, 2`,
      [since, until],
    )) as Array<{ vendor: string; at: number; count: number }>;
    const series = new Map<string, EventCountPoint[]>();
    for (const row of rows) {
      const points = series.get(row.vendor) ?? [];
      points.push({ at: new Date(row.at).toISOString(), count: row.count });
      series.set(row.vendor, points);
    }
    return {
      since: since.toISOString(),
      until: until.toISOString(),
      bucket,
      series: [...series].map(([vendor, points]) => ({ vendor, points })),
    };
  }
}
