import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { isBigintId } from '../events/event-cursor';
import { eventFilterConditions } from '../events/event-filter';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { Delivery, DeliveryState } from './delivery.entity';
import { Destination, staticHeaders } from './destination.entity';
import { toAttemptView, toDeliveryView, type CancelResult, type DeliveryDetail, type DeliveryPage, type DeliveryView } from './delivery.view';
import { destinationFilterSql } from './delivery-filter';
import type { ReplayResult } from './destination.view';
import { DestinationsService, lockDestination } from './destinations.service';
import type { CancelDeliveriesDto } from './dto/cancel-deliveries.dto';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { ReplayDestinationDto } from './dto/replay-destination.dto';

/** The most events one replay call queues: more would hold one transaction (and the feed's commit horizon) for seconds. */
export const MAX_REPLAY_EVENTS = 50_000;

/** The delivery log: reading it, retrying or cancelling one delivery, replaying events to a destination or cancelling its pending ones. */
@Injectable()
export class DeliveriesService {
  constructor(
    @InjectRepository(Delivery) private readonly deliveries: Repository<Delivery>,
    @InjectRepository(DeliveryAttempt) private readonly attempts: Repository<DeliveryAttempt>,
    private readonly destinations: DestinationsService,
  ) {}

  /** Newest first; the cursor is the last id shown. */
  async list(query: ListDeliveriesQuery): Promise<DeliveryPage> {
    const limit = query.limit ?? 100;
    const qb = this.withDestination().orderBy('d.id', 'DESC').limit(limit + 1);
    if (query.destinationId) qb.andWhere('d.destination_id = :destinationId', { destinationId: query.destinationId });
    if (query.eventId) qb.andWhere('d.event_id = :eventId', { eventId: query.eventId });
    if (query.state) qb.andWhere('d.state = :state', { state: query.state });
    if (query.cursor) qb.andWhere('d.id < :cursor', { cursor: query.cursor });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const totals = await this.totalAttempts(page.map((row) => row.id));
    return { data: page.map((row) => toDeliveryView(row, totals.get(row.id) ?? 0)), nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null };
  }

  /** One delivery with every attempt, oldest first. */
  async get(id: string): Promise<DeliveryDetail> {
    const delivery = await this.findOrFail(id);
    const [attempts, destination] = await Promise.all([
      this.attempts.find({ where: { deliveryId: delivery.id }, order: { id: 'ASC' } }),
      // Its static headers (decrypted), only to keep their values out of the answers shown.
      this.deliveries.manager.findOne(Destination, { select: { id: true, headers: true }, where: { id: delivery.destinationId } }),
    ]);
    const headers = destination ? staticHeaders(destination) : {};
    return { ...toDeliveryView(delivery, attempts.length), attemptLog: attempts.map((attempt) => toAttemptView(attempt, headers)) };
  }

  /**
   * Due now with a fresh count of attempts and a new round, whatever its state (a delivered one is
   * sent again, a cancelled one too; a pending one waiting out its backoff, e.g. an ordered
   * subscription's blocked head, is tried at once, its orderingMaxHoldSeconds counted afresh). A lease in force is left alone: the attempt in flight finds its count changed
   * and drops its outcome, and the delivery is attempted again once that lease ends. Under its
   * destination's row lock, as every path that queues: a destination deleted meanwhile answers 404
   * and gets nothing pending.
   */
  async retry(id: string): Promise<DeliveryView> {
    const existing = await this.findOrFail(id);
    await this.deliveries.manager.transaction(async (manager) => {
      await lockDestination(manager, existing.destinationId);
      await manager.update(Delivery, { id }, { state: DeliveryState.Pending, attempts: 0, roundStartedAt: null, nextAttemptAt: () => 'now()', deliveredAt: null });
    });
    const retried = await this.findOrFail(id);
    return toDeliveryView(retried, (await this.totalAttempts([retried.id])).get(retried.id) ?? 0);
  }

  /**
   * A pending delivery ends as cancelled: never sent again unless retried or replayed. One already
   * cancelled answers as it is; a delivered or failed one is refused (409). An attempt in flight is
   * not aborted, but its outcome changes nothing: the worker records outcomes only on pending rows.
   * The lease is left as it is, so a retry right after waits for that attempt's lease to end.
   */
  async cancel(id: string): Promise<DeliveryView> {
    const existing = await this.findOrFail(id);
    if (existing.state !== DeliveryState.Cancelled) {
      const result = await this.deliveries.update({ id: existing.id, state: DeliveryState.Pending }, { state: DeliveryState.Cancelled });
      if (!result.affected) {
        const now = await this.findOrFail(id);
        if (now.state !== DeliveryState.Cancelled) {
          throw new AppException(
            HttpStatus.CONFLICT,
            ErrorCode.DeliveryNotPending,
            `Delivery ${id} is ${now.state}: only a pending delivery can be cancelled (retry it to send it again)`,
          );
        }
      }
    }
    const cancelled = await this.findOrFail(id);
    return toDeliveryView(cancelled, (await this.totalAttempts([cancelled.id])).get(cancelled.id) ?? 0);
  }

  /**
   * The destination's pending deliveries whose event matches the filters (those of a replay; the
   * destination's own filter does not apply: what is queued is what is cancelled), counted; unless
   * dryRun, each ended as cancelled. One statement, so the count is what was cancelled.
   */
  async cancelMatching(destinationId: string, dto: CancelDeliveriesDto): Promise<CancelResult> {
    const destination = await this.destinations.findOrFail(destinationId);
    const params: unknown[] = [destination.id];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions = [`l.destination_id = $1`, `l.state = '${DeliveryState.Pending}'`, 'e.id = l.event_id', ...eventFilterConditions(dto, 'e', param)];
    if (dto.dryRun) {
      const [row] = (await this.deliveries.query(
        `SELECT count(*)::int AS count FROM deliveries l, webhook_events e WHERE ${conditions.join(' AND ')}`,
        params,
      )) as Array<{ count: number }>;
      return { count: row.count };
    }
    const [row] = (await this.deliveries.query(
      `WITH cancelled AS (
         UPDATE deliveries l SET state = '${DeliveryState.Cancelled}' FROM webhook_events e WHERE ${conditions.join(' AND ')} RETURNING 1
       )
       SELECT count(*)::int AS count FROM cancelled`,
      params,
    )) as Array<{ count: number }>;
    return { count: row.count };
  }

  /** Entries in the attempt log per delivery (IDX_delivery_attempts_delivery serves it). */
  private async totalAttempts(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.attempts.query(
      'SELECT delivery_id::text AS id, count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY($1::bigint[]) GROUP BY delivery_id',
      [ids],
    )) as Array<{ id: string; n: number }>;
    return new Map(rows.map((row) => [row.id, row.n]));
  }

  /** Deliveries with the id, name, url and deletion of their destination: never its secrets or headers. */
  private withDestination() {
    return this.deliveries
      .createQueryBuilder('d')
      .innerJoin('d.destination', 'destination')
      .addSelect(['destination.id', 'destination.name', 'destination.url', 'destination.deletedAt']);
  }

  private async findOrFail(id: string): Promise<Delivery> {
    const delivery = isBigintId(id) ? await this.withDestination().where('d.id = :id', { id }).getOne() : null;
    if (!delivery) throw notFound(id);
    return delivery;
  }

  /**
   * Every stored event matching both the replay filters and the destination's own filter (its
   * startFrom ignored), counted; unless dryRun, each queued again: a new delivery, or the existing
   * one back to pending with a fresh count of attempts. One statement, so the count is what was queued.
   */
  async replay(destinationId: string, dto: ReplayDestinationDto): Promise<ReplayResult> {
    const destination = await this.destinations.findOrFail(destinationId);
    const params: unknown[] = [JSON.stringify(destination.filter)];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions = [destinationFilterSql('$1::jsonb', 'e'), ...eventFilterConditions(dto, 'e', param)];
    const matching = `SELECT e.id, e.subscription_id, e.created_xid FROM webhook_events e WHERE ${conditions.join(' AND ')}`;
    if (dto.dryRun) {
      const [row] = (await this.deliveries.query(`SELECT count(*)::int AS count FROM (${matching}) m`, params)) as Array<{ count: number }>;
      return { count: row.count };
    }
    // Counted only as far as the cap, so a refusal costs little; the insert is capped too (events stored meanwhile).
    const [over] = (await this.deliveries.query(`SELECT count(*)::int AS count FROM (${matching} LIMIT ${MAX_REPLAY_EVENTS + 1}) m`, params)) as Array<{ count: number }>;
    if (over.count > MAX_REPLAY_EVENTS) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.ReplayTooLarge,
        `This replay matches more than ${MAX_REPLAY_EVENTS} events, the most one call queues: replay them in parts with since and until (dryRun: true counts each part)`,
      );
    }
    const destinationParam = param(destination.id);
    // Under the destination's row lock, as the fan-out queues: otherwise the two can deadlock (this
    // insert's foreign-key check waits for the fan-out's lock while the fan-out waits on these rows).
    // Taken only while it is not deleted: a delete that won the race answers 404, nothing is queued.
    const [row] = await this.deliveries.manager.transaction(async (manager) => {
      await lockDestination(manager, destination.id);
      return (await manager.query(
        `WITH queued AS (
           INSERT INTO deliveries (destination_id, event_id, subscription_id, event_xid, state, attempts, next_attempt_at)
           SELECT ${destinationParam}::uuid, m.id, m.subscription_id, m.created_xid, '${DeliveryState.Pending}', 0, now()
             FROM (${matching} ORDER BY e.created_xid, e.id LIMIT ${MAX_REPLAY_EVENTS}) m
           ON CONFLICT (destination_id, event_id)
           DO UPDATE SET state = '${DeliveryState.Pending}', attempts = 0, round_started_at = NULL, next_attempt_at = now(), delivered_at = NULL
           RETURNING 1
         )
         SELECT count(*)::int AS count FROM queued`,
        params,
      )) as Array<{ count: number }>;
    });
    return { count: row.count };
  }
}

function notFound(id: string): AppException {
  return new AppException(HttpStatus.NOT_FOUND, ErrorCode.DeliveryNotFound, `No delivery ${id}`);
}
