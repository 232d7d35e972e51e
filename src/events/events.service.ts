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
   * order. Walking the feed in order and testing each payload is fastest when matches are common; for
   * a rare match (one session's events) it reads the whole table, which the planner cannot foresee
   * without statistics (PGlite never gathers them). So: the next FEED_WINDOW events of the feed first;
   * when they hold fewer than `count` matches and the feed goes on, the matches from the GIN index.
   */
  private async searchPage(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined, count: number): Promise<WebhookEvent[]> {
    const window = feedWindowSql(query, horizon, cursor);
    const walked = (await this.events.query(window.sql, window.params)) as Array<{ id: string; matched: boolean }>;
    let ids = walked.filter((row) => row.matched).map((row) => row.id);
    if (ids.length < count && walked.length === FEED_WINDOW) {
      const indexed = payloadMatchesSql(query, horizon, cursor, count);
      ids = ((await this.events.query(indexed.sql, indexed.params)) as Array<{ id: string }>).map((row) => row.id);
    }
    ids = ids.slice(0, count);
    if (ids.length === 0) return [];
    return this.feedQuery().where('e.id IN (:...ids)', { ids }).getMany();
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

/** Events of the feed a payload search tests in order before it asks the GIN index instead. */
export const FEED_WINDOW = 1000;

/** The filters of `query` but the payload on the row `alias`, with their parameters numbered after `params`. */
function filterConditions(query: ListEventsQuery, alias: string, params: unknown[]): string[] {
  const param = (value: unknown) => `$${params.push(value)}`;
  const conditions = eventFilterConditions({ ...query, payload: undefined }, alias, param);
  if (query.isTest) conditions.push(`${alias}.is_test = ${param(query.isTest === 'true')}`);
  return conditions;
}

/** Where the feed's page may come from: below the commit horizon, after the cursor. */
function positionConditions(horizon: string, cursor: EventCursor | undefined, alias: string, params: unknown[]): string[] {
  const param = (value: unknown) => `$${params.push(value)}`;
  const conditions = [`${alias}.created_xid < ${param(horizon)}`];
  if (cursor) conditions.push(`(${alias}.created_xid, ${alias}.id) > (${param(cursor.xid)}, ${param(cursor.id)})`);
  return conditions;
}

const FILTERED_COLUMNS = 'id, created_xid, vendor, subscription_id, event_type, status, received_at, is_test';

/**
 * The next FEED_WINDOW events of the whole feed (ids, and whether each matches the search and the
 * filters), in order. The filters are tested on the window, not used to find it: with them, a
 * planner without statistics may fetch and sort every event of a vendor instead of walking the
 * feed's index.
 */
function feedWindowSql(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.payload];
  const position = positionConditions(horizon, cursor, 'e', params);
  const matched = ['w.payload @> CAST($1 AS jsonb)', ...filterConditions(query, 'w', params)];
  return {
    sql: `SELECT w.id, (${matched.join(' AND ')}) AS matched
            FROM (SELECT ${FILTERED_COLUMNS}, payload FROM webhook_events e
                   WHERE ${position.join(' AND ')} ORDER BY e.created_xid, e.id LIMIT ${FEED_WINDOW}) w
           ORDER BY w.created_xid, w.id`,
    params,
  };
}

/**
 * The first `count` matches of a payload search in feed order, taken from the GIN index: the
 * materialised CTE holds the payload test alone, so the planner cannot walk the feed's order
 * instead; the other filters apply to what it found.
 */
export function payloadMatchesSql(query: ListEventsQuery, horizon: string, cursor: EventCursor | undefined, count: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.payload];
  const conditions = [...positionConditions(horizon, cursor, 'm', params), ...filterConditions(query, 'm', params)];
  return {
    sql: `WITH m AS MATERIALIZED (SELECT ${FILTERED_COLUMNS} FROM webhook_events WHERE payload @> CAST($1 AS jsonb))
          SELECT m.id FROM m WHERE ${conditions.join(' AND ')} ORDER BY m.created_xid, m.id LIMIT ${Number(count)}`,
    params,
  };
}
