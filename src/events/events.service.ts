import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { ListEventsQuery } from './dto/list-events.query';
import { commitHorizon } from './commit-horizon';
import { decodeCursor, encodeCursor, isBigintId, type EventCursor } from './event-cursor';
import { eventFilterConditions } from './event-filter';
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
    const horizon = await commitHorizon(this.events);
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = query.payload ? await this.searchPage(query, horizon, cursor, limit + 1) : await this.feedPage(query, horizon, cursor, limit + 1);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((event) => toEventView(event)),
      nextCursor: last ? encodeCursor({ xid: String(last.createdXid), id: String(last.id) }) : (query.cursor ?? null),
      hasMore,
    };
  }

  /** Up to `count` events of the feed from `cursor`, in feed order. */
  private async feedPage(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined, count: number): Promise<WebhookEvent[]> {
    const qb = this.feedQuery().where('e.created_xid < :horizon', { horizon }).limit(count);
    const filterParams: Record<string, unknown> = {};
    const param = (value: unknown) => {
      const name = `f${Object.keys(filterParams).length}`;
      filterParams[name] = value;
      return `:${name}`;
    };
    for (const condition of eventFilterConditions(query, 'e', param)) qb.andWhere(condition);
    qb.setParameters(filterParams);
    if (query.isTest) qb.andWhere('e.is_test = :isTest', { isTest: query.isTest === 'true' });
    if (cursor) qb.andWhere('(e.created_xid, e.id) > (:xid, :id)', { xid: cursor.xid, id: cursor.id });
    return qb.getMany();
  }

  /**
   * Up to `count` events of the feed from `cursor` whose payload contains `query.payload`, in feed
   * order. A search is mostly for something rare (one session's events): those come from the GIN
   * index, whatever the planner would guess. The planner's own plan would walk the feed in order and
   * test each payload when it expects many matches, which without statistics (PGlite never gathers
   * them) it expects of every search, reading a million events to find one. Only when the index
   * finds more than INDEX_CAP matches is the planner asked, for the feed with the search as a filter.
   */
  private async searchPage(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined, count: number): Promise<WebhookEvent[]> {
    const indexed = payloadMatchesSql(query, horizon, cursor, count);
    const [found] = (await this.events.query(indexed.sql, indexed.params)) as Array<{ matches: number; ids: string[] }>;
    if (found.matches > INDEX_CAP) return this.feedPage(query, horizon, cursor, count);
    if (found.ids.length === 0) return [];
    return this.feedQuery().where('e.id IN (:...ids)', { ids: found.ids }).getMany();
  }

  private feedQuery() {
    return this.events.createQueryBuilder('e').addSelect('e.createdXid').orderBy('e.created_xid', 'ASC').addOrderBy('e.id', 'ASC');
  }

  async get(id: string): Promise<EventView> {
    const event = isBigintId(id) ? await this.events.findOneBy({ id }) : null;
    if (!event) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.EventNotFound, `No event ${id}`);
    return toEventView(event, true);
  }
}

/** The most matches of a payload search taken from the GIN index; beyond, the feed is walked in order. */
export const INDEX_CAP = 1000;

/**
 * How many events the GIN index finds for a payload search (at most INDEX_CAP + 1: counting further
 * would cost what the cap saves), and, when it is not more than INDEX_CAP, the ids of the first
 * `count` of them in feed order that pass the filters, after the cursor, below the commit horizon.
 * The materialised CTE holds the payload test alone, so the planner cannot walk the feed instead.
 */
export function payloadMatchesSql(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined, count: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.payload];
  const param = (value: unknown) => `$${params.push(value)}`;
  const conditions = [`m.created_xid < ${param(horizon)}`, ...eventFilterConditions({ ...query, payload: undefined }, 'm', param)];
  if (query.isTest) conditions.push(`m.is_test = ${param(query.isTest === 'true')}`);
  if (cursor) conditions.push(`(m.created_xid, m.id) > (${param(cursor.xid)}, ${param(cursor.id)})`);
  return {
    sql: `WITH m AS MATERIALIZED (
            SELECT id, created_xid, vendor, subscription_id, event_type, status, received_at, is_test
              FROM webhook_events WHERE payload @> CAST($1 AS jsonb) LIMIT ${INDEX_CAP + 1})
          SELECT (SELECT count(*) FROM m)::int AS matches,
                 ARRAY(SELECT m.id::text FROM m WHERE ${conditions.join(' AND ')} ORDER BY m.created_xid, m.id LIMIT ${Number(count)}) AS ids`,
    params,
  };
}
