import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { ListEventsQuery } from './dto/list-events.query';
import { decodeCursor, encodeCursor, isBigintId } from './event-cursor';
import { EventView, toEventView } from './event.view';
import { WebhookEvent } from './webhook-event.entity';

export class EventPage {
  @ApiProperty({ type: [EventView] })
  data: EventView[];

  @ApiProperty({
    description: 'Pass back as `cursor` to continue (the one given, on an empty page); null only before the first event',
    type: String,
    nullable: true,
    example: 'MTIzNDU6MTA0Mg',
  })
  nextCursor: string | null;

  @ApiProperty({ description: 'More events are ready now; when false, poll again with nextCursor later', example: false })
  hasMore: boolean;
}

@Injectable()
export class EventsService {
  constructor(@InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>) {}

  /**
   * The event feed in a stable order: by inserting transaction, then id. Only rows below the
   * commit horizon are returned, so no row can later commit behind a cursor already handed out.
   */
  async list(query: ListEventsQuery): Promise<EventPage> {
    const limit = query.limit ?? 100;
    // Read before the feed query's snapshot is taken; see commitHorizon().
    const horizon = await this.commitHorizon();
    const qb = this.events
      .createQueryBuilder('e')
      .addSelect('e.createdXid')
      .where('e.created_xid < :horizon', { horizon })
      .orderBy('e.created_xid', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(limit + 1);
    if (query.vendor) qb.andWhere('e.vendor = :vendor', { vendor: query.vendor });
    if (query.subscriptionId) qb.andWhere('e.subscription_id = :subscriptionId', { subscriptionId: query.subscriptionId });
    if (query.eventType) qb.andWhere('e.event_type = :eventType', { eventType: query.eventType });
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    if (query.isTest) qb.andWhere('e.is_test = :isTest', { isTest: query.isTest === 'true' });
    if (query.since) qb.andWhere('e.received_at >= :since', { since: new Date(query.since) });
    if (query.until) qb.andWhere('e.received_at < :until', { until: new Date(query.until) });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      qb.andWhere('(e.created_xid, e.id) > (:xid, :id)', { xid: cursor.xid, id: cursor.id });
    }
    const rows = await qb.getMany();
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((event) => toEventView(event)),
      nextCursor: last ? encodeCursor({ xid: String(last.createdXid), id: String(last.id) }) : (query.cursor ?? null),
      hasMore,
    };
  }

  /**
   * The lowest transaction id that may still commit an event row. Events are written only by
   * single INSERT statements, which lock webhook_events before they are given a transaction id, so
   * a writer still in flight either holds that lock with its id already assigned (found here, its
   * 32-bit xid widened to 64 bits around the snapshot's xmax, on either side of it), or will be
   * given an id at or above xmax. Unlike pg_snapshot_xmin, a long transaction that never touches
   * webhook_events (another database, a report, a vacuum) does not hold the feed back.
   */
  async commitHorizon(): Promise<string> {
    const [row] = await this.events.query(`
      WITH next AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::numeric AS full_xid)
      SELECT LEAST(
               next.full_xid,
               MIN(next.full_xid + ((x.transactionid::text::numeric - next.full_xid % 4294967296 + 4294967296 + 2147483648) % 4294967296) - 2147483648)
             )::text AS horizon
        FROM next
        LEFT JOIN pg_locks r
               ON r.locktype = 'relation'
              AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND r.relation = 'webhook_events'::regclass
              AND r.mode <> 'AccessShareLock'
        LEFT JOIN pg_locks x
               ON x.locktype = 'transactionid'
              AND x.virtualtransaction = r.virtualtransaction
       GROUP BY next.full_xid`);
    return row.horizon;
  }

  async get(id: string): Promise<EventView> {
    const event = isBigintId(id) ? await this.events.findOneBy({ id }) : null;
    if (!event) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.EventNotFound, `No event ${id}`);
    return toEventView(event, true);
  }
}
