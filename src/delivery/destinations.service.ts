import { randomBytes, randomUUID } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { IsNull, Repository, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { DeliveryFanout, startCursor } from './delivery-fanout';
import { VendorRegistry } from '../subscriptions/vendor-registry';
import { DEFAULT_GRACE_SECONDS } from '../subscriptions/dto/rotate-secret.dto';
import { rotatedPrevious } from '../subscriptions/secret-grace';
import { DeliveryState } from './delivery.entity';
import { DeliveryHttp, MAX_RESPONSE_BYTES } from './delivery-http';
import { generateSigningSecret, signatureHeaders, validSigningSecrets } from './delivery-signer';
import { recentAttempts, recentOf } from './destination-health';
import { blockedHeads } from './ordering-heads';
import { DestinationHostPolicy } from './destination-host-policy';
import { Destination, DestinationStatus, staticHeaders, type DestinationFilter } from './destination.entity';
import { redactStaticHeaders } from './delivery.view';
import { toDestinationView, type DestinationPage, type DestinationView, type DestinationWithSecret, type TestPingReport } from './destination.view';
import { DESTINATION_LIMITS, type CreateDestinationDto } from './dto/create-destination.dto';
import type { DestinationFilterDto } from './dto/destination-filter.dto';
import type { ListDestinationsQuery } from './dto/list-destinations.query';
import type { RotateDestinationSecretDto } from './dto/rotate-destination-secret.dto';
import type { UpdateDestinationDto } from './dto/update-destination.dto';

const NOT_DELETED = { deletedAt: IsNull() } as const;

/** Destinations: the internal services events are pushed to, their settings, secrets and state. */
@Injectable()
export class DestinationsService {
  constructor(
    @InjectRepository(Destination) private readonly destinations: Repository<Destination>,
    private readonly vendors: VendorRegistry,
    private readonly hosts: DestinationHostPolicy,
    private readonly http: DeliveryHttp,
    private readonly fanout: DeliveryFanout,
  ) {}

  async create(dto: CreateDestinationDto): Promise<DestinationWithSecret> {
    this.hosts.assertAllowed(dto.url);
    const filter = this.filterOf(dto.filter);
    const cursor = await startCursor(this.destinations.manager, dto.startFrom ?? 'now');
    const id = randomUUID();
    const signingSecret = generateSigningSecret();
    await this.destinations.insert({
      id,
      name: dto.name,
      url: dto.url,
      filter,
      format: dto.format ?? 'envelope',
      headers: headersText(dto.headers),
      ordering: dto.ordering ?? 'none',
      orderingMaxHoldSeconds: dto.orderingMaxHoldSeconds ?? null,
      maxConcurrency: dto.maxConcurrency ?? DESTINATION_LIMITS.maxConcurrency.default,
      rateLimitPerSecond: dto.rateLimitPerSecond ?? null,
      timeoutMs: dto.timeoutMs ?? DESTINATION_LIMITS.timeoutMs.default,
      signingSecret,
      status: DestinationStatus.Active,
      cursorXid: cursor.xid,
      cursorId: cursor.id,
    } as QueryDeepPartialEntity<Destination>);
    const view = await this.get(id);
    // Its fan-out starts now, not at the next poll (after the answer is read: it shows the destination as created).
    this.fanout.destinationsChanged();
    return { ...view, signingSecret };
  }

  async list(query: ListDestinationsQuery): Promise<DestinationPage> {
    const [rows, total] = await this.destinations.findAndCount({
      where: { ...NOT_DELETED, ...(query.status !== undefined && { status: query.status }) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: query.limit ?? 100,
      skip: query.offset ?? 0,
    });
    const ids = rows.map((row) => row.id);
    const [backlogs, recent] = await Promise.all([this.backlogs(ids), recentAttempts(this.destinations.manager, ids)]);
    return { data: rows.map((row) => toDestinationView(row, backlogs.get(row.id)?.n ?? 0, backlogs.get(row.id)?.oldest ?? null, recentOf(recent, row.id))), total };
  }

  async get(id: string): Promise<DestinationView> {
    const destination = await this.findOrFail(id);
    const [backlogs, recent, blocked] = await Promise.all([
      this.backlogs([id]),
      recentAttempts(this.destinations.manager, [id]),
      destination.ordering === 'subscription' ? blockedHeads(this.destinations.manager, id) : [],
    ]);
    const backlog = backlogs.get(id);
    return toDestinationView(destination, backlog?.n ?? 0, backlog?.oldest ?? null, recentOf(recent, id), new Date(), blocked);
  }

  async update(id: string, dto: UpdateDestinationDto): Promise<DestinationView> {
    const destination = await this.findOrFail(id);
    if (dto.url !== undefined) this.hosts.assertAllowed(dto.url);
    // The static headers (often a credential for that service) were given for its URL and are never
    // shown: a new URL, even another path of the same origin (where another service may read them
    // back to the caller), must not receive them unless given again.
    const movesAway = dto.url !== undefined && dto.headers === undefined && new URL(dto.url).href !== new URL(destination.url).href;
    if (movesAway && destination.headers !== null) throw headersStayBehind();
    const changes: QueryDeepPartialEntity<Destination> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.url !== undefined) changes.url = dto.url;
    if (dto.filter !== undefined) changes.filter = this.filterOf(dto.filter) as QueryDeepPartialEntity<DestinationFilter>;
    if (dto.format !== undefined) changes.format = dto.format;
    if (dto.headers !== undefined) changes.headers = headersText(dto.headers);
    if (dto.ordering !== undefined) changes.ordering = dto.ordering;
    if (dto.orderingMaxHoldSeconds !== undefined) changes.orderingMaxHoldSeconds = dto.orderingMaxHoldSeconds;
    if (dto.maxConcurrency !== undefined) changes.maxConcurrency = dto.maxConcurrency;
    if (dto.rateLimitPerSecond !== undefined) changes.rateLimitPerSecond = dto.rateLimitPerSecond;
    if (dto.timeoutMs !== undefined) changes.timeoutMs = dto.timeoutMs;
    // Only the settings given: a whole-row save would undo what the worker changed meanwhile.
    if (Object.keys(changes).length > 0) {
      // A concurrent PATCH that set headers meanwhile must not be moved along either.
      const result = await this.destinations.update({ id: destination.id, ...(movesAway && { headers: IsNull() }) }, changes);
      if (!result.affected && movesAway) throw headersStayBehind();
    }
    return this.get(destination.id);
  }

  /**
   * Soft delete: it answers 404 from now on and nothing more is sent; its pending deliveries end as
   * cancelled, and every delivery stays for the record. The row is held FOR KEY SHARE meanwhile: that
   * keeps out every path that queues (fan-out, replay, retry: they lock it FOR UPDATE, see
   * lockDestination) yet not the worker recording an outcome, which holds delivery rows before it
   * touches the destination; so the cancel runs before the row is updated, never waiting on a
   * delivery while holding what the worker waits for.
   */
  async remove(id: string): Promise<void> {
    if (!isUUID(id)) throw notFound(id);
    await this.destinations.manager.transaction(async (manager) => {
      const held = await manager.query('SELECT id FROM destinations WHERE id = $1 AND deleted_at IS NULL FOR KEY SHARE', [id]);
      if (held.length === 0) throw notFound(id);
      await manager.query(`UPDATE deliveries SET state = '${DeliveryState.Cancelled}' WHERE destination_id = $1 AND state = '${DeliveryState.Pending}'`, [id]);
      const result = await manager.update(Destination, { ...NOT_DELETED, id }, { deletedAt: () => 'now()' });
      // Another delete got there first (both held it FOR KEY SHARE; its update committed first).
      if (!result.affected) throw notFound(id);
    });
  }

  /** Nothing is sent until resumed; matching events keep queuing. */
  async pause(id: string): Promise<DestinationView> {
    const destination = await this.findOrFail(id);
    await this.destinations.update({ id: destination.id }, { status: DestinationStatus.Paused });
    return this.get(destination.id);
  }

  /** Active again, whatever paused or disabled it: the throttle and the failure clock start afresh, and its backlog flows. */
  async resume(id: string): Promise<DestinationView> {
    const destination = await this.findOrFail(id);
    await this.destinations.update(
      { id: destination.id },
      { status: DestinationStatus.Active, disabledReason: null, disabledAt: null, throttledUntil: null, failingSince: null },
    );
    return this.get(destination.id);
  }

  /**
   * A new signing secret, shown once; the old one keeps signing too for the grace. The row is locked
   * while it changes; one previous secret at a time, as for subscriptions: a rotation with a grace
   * while an earlier grace runs is refused (409), `graceSeconds: 0` ends every earlier secret.
   */
  async rotateSecret(id: string, dto: RotateDestinationSecretDto): Promise<DestinationWithSecret> {
    if (!isUUID(id)) throw notFound(id);
    const graceSeconds = dto.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    const signingSecret = generateSigningSecret();
    await this.destinations.manager.transaction(async (manager) => {
      const repository = manager.getRepository(Destination);
      const locked = await repository.findOne({ where: { ...NOT_DELETED, id }, lock: { mode: 'pessimistic_write' } });
      if (!locked) throw notFound(id);
      const { previous, previousExpiresAt } = rotatedPrevious(
        { current: locked.signingSecret, previous: locked.previousSigningSecret, previousExpiresAt: locked.previousSecretExpiresAt },
        graceSeconds,
        { stillDoes: 'signing secret still signs', onlyNew: 'sign only with the new secret' },
      );
      await repository.update({ id }, { signingSecret, previousSigningSecret: previous, previousSecretExpiresAt: previousExpiresAt });
    });
    return { ...(await this.get(id)), signingSecret };
  }

  /** A signed `gateway.ping`, sent as every delivery is (static headers, every valid secret), and what came back. */
  async test(id: string): Promise<TestPingReport> {
    const destination = await this.findOrFail(id);
    // Checked again here: the URL may have been stored under another DESTINATION_ALLOWED_HOSTS.
    this.hosts.assertAllowed(destination.url);
    const now = new Date();
    const body = JSON.stringify({ type: 'gateway.ping', destinationId: destination.id, sentAt: now.toISOString() });
    const headers = {
      ...staticHeaders(destination),
      'content-type': 'application/json',
      ...signatureHeaders(validSigningSecrets(destination, now), `ping_${randomBytes(12).toString('hex')}`, body, now),
    };
    const result = await this.http.post(destination.url, headers, body, destination.timeoutMs);
    return {
      ok: result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300,
      status: result.statusCode,
      durationMs: result.durationMs,
      response: result.responseBody === null ? null : redactStaticHeaders(result.responseBody.slice(0, MAX_RESPONSE_BYTES), staticHeaders(destination)),
      error: result.error,
    };
  }

  /** The stored destination (secrets decrypted), or 404; a deleted one too is 404. */
  async findOrFail(id: string): Promise<Destination> {
    const destination = isUUID(id) ? await this.destinations.findOneBy({ ...NOT_DELETED, id }) : null;
    if (!destination) throw notFound(id);
    return destination;
  }

  /** The filter as stored: only the fields given, vendors checked against the vendors this instance serves. */
  private filterOf(dto: DestinationFilterDto | undefined): DestinationFilter {
    const filter = Object.fromEntries(Object.entries(dto ?? {}).filter(([, value]) => value !== undefined)) as DestinationFilter;
    const unknown = (filter.vendors ?? []).filter((vendor) => !this.vendors.has(vendor));
    if (unknown.length > 0) {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.UnknownVendor,
        `filter.vendors: unknown vendor ${unknown.map((vendor) => `"${vendor}"`).join(', ')}; known vendors: ${this.vendors.names().join(', ')}`,
      );
    }
    return filter;
  }

  /** Pending deliveries per destination and when the oldest was queued (the partial index on pending rows serves it). */
  private async backlogs(ids: string[]): Promise<Map<string, { n: number; oldest: Date }>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.destinations.query(
      `SELECT destination_id AS id, count(*)::int AS n, min(created_at) AS oldest FROM deliveries WHERE state = $1 AND destination_id = ANY($2::uuid[]) GROUP BY destination_id`,
      [DeliveryState.Pending, ids],
    )) as Array<{ id: string; n: number; oldest: Date }>;
    return new Map(rows.map((row) => [row.id, { n: row.n, oldest: row.oldest }]));
  }
}

function headersText(headers: Record<string, string> | undefined): string | null {
  return headers && Object.keys(headers).length > 0 ? JSON.stringify(headers) : null;
}

function headersStayBehind(): AppException {
  return new AppException(
    HttpStatus.BAD_REQUEST,
    ErrorCode.ValidationFailed,
    'headers: the static headers were given for the current url and are not sent to another one, even on the same origin: ' +
      'give them again with the new url (headers: {} for none)',
  );
}

/**
 * Locks the destination row FOR UPDATE for a change that queues deliveries to it (replay, retry), as
 * the fan-out does, and only while it is not deleted: a delete committed meanwhile answers 404.
 */
export async function lockDestination(manager: EntityManager, id: string): Promise<void> {
  const locked = isUUID(id) ? await manager.query('SELECT id FROM destinations WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id]) : [];
  if (locked.length === 0) throw notFound(id);
}

export function notFound(id: string): AppException {
  return new AppException(HttpStatus.NOT_FOUND, ErrorCode.DestinationNotFound, `No destination ${id}`);
}
