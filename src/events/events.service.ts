import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import type { ListEventsQuery } from './dto/list-events.query';
import { commitHorizon } from './commit-horizon';
import { decodeCursor, encodeCursor, isBigintId } from './event-cursor';
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
    const qb = this.events
      .createQueryBuilder('e')
      .addSelect('e.createdXid')
      .where('e.created_xid < :horizon', { horizon })
      .orderBy('e.created_xid', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(limit + 1);
    const filterParams: Record<string, unknown> = {};
    const param = (value: unknown) => {
      const name = `f${Object.keys(filterParams).length}`;
      filterParams[name] = value;
      return `:${name}`;
    };
    for (const condition of eventFilterConditions(query, 'e', param)) qb.andWhere(condition);
    qb.setParameters(filterParams);
    if (query.isTest) qb.andWhere('e.is_test = :isTest', { isTest: query.isTest === 'true' });
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

  async get(id: string): Promise<EventView> {
    const event = isBigintId(id) ? await this.events.findOneBy({ id }) : null;
    if (!event) throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.EventNotFound, `No event ${id}`);
    return toEventView(event, true);
  }
}
