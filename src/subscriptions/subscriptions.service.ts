import { randomBytes, randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { validationFailed } from '../common/api-validation.pipe';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { CreateSubscriptionDto } from './dto/create-subscription.dto';
import type { DisableSubscriptionDto } from './dto/disable-subscription.dto';
import type { ListSubscriptionsQuery } from './dto/list-subscriptions.query';
import { DEFAULT_GRACE_SECONDS, type RotateSecretDto } from './dto/rotate-secret.dto';
import type { UpdateSubscriptionDto } from './dto/update-subscription.dto';
import { CallbackUrlPolicy } from './callback-url-policy';
import { rotatedPrevious } from './secret-grace';
import { SubscriptionLookup } from './subscription-lookup';
import { MIRRORED_STATUS, ownsStatus, refusesDeliveries, SubscriptionLifecycle } from './subscription-lifecycle';
import { SubscriptionStatus } from './subscription-status';
import { NOT_DELETED, pickColumns, Subscription } from './subscription.entity';
import { WebhookRejection } from './webhook-rejection.entity';
import { toSubscriptionView, type SubscriptionPage, type SubscriptionView, type SubscriptionWithSecret } from './subscription.view';
import { ownSettingsOf, type VendorDefinition } from '../vendors/vendor-definition';
import { VendorRegistry } from './vendor-registry';

@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly vendors: VendorRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lookup: SubscriptionLookup,
    private readonly callbackUrls: CallbackUrlPolicy,
    private readonly lifecycle: SubscriptionLifecycle,
  ) {}

  async create(dto: CreateSubscriptionDto): Promise<SubscriptionWithSecret> {
    const vendor = this.vendors.get(dto.vendor);
    if (dto.callbackUrl !== undefined) this.callbackUrls.assertAllowed(dto.callbackUrl);
    this.refuseUnusedSettings(vendor, dto);
    const id = randomUUID();
    // Only a secret the gateway made is shown; one the operator gave is theirs already.
    const generated = dto.secret === undefined && vendor.secretSource === 'generate' ? generateSecret() : undefined;
    const subscription = this.subscriptions.create({
      id,
      vendor: vendor.name,
      name: dto.name,
      description: dto.description ?? null,
      status: SubscriptionStatus.VerificationPending,
      disableReasonErrorCode: null,
      disableReasonMessage: null,
      disabledBy: null,
      callbackUrl: dto.callbackUrl ?? `${this.config.publicBaseUrl}/webhooks/${vendor.name}/${id}`,
      secret: dto.secret ?? generated ?? null,
      previousSecret: null,
      previousSecretExpiresAt: null,
      signature: { ...dto.signature },
      requiredHeaders: dto.requiredHeaders ?? {},
      eventTypes: dto.eventTypes ?? [],
      vendorRef: null,
      vendorConfig: {},
      vendorSyncedAt: null,
      verifiedAt: null,
      lastEventAt: null,
      deletedAt: null,
    });
    this.prepare(vendor, subscription);
    const hooks = this.vendors.hooks(vendor);
    const settings = ownSettingsGiven(vendor, dto);
    await hooks.validateSettings?.(settings);
    // Stored first, so a vendor that checks the callback URL at once (with a HEAD) finds it.
    await this.subscriptions.insert(subscription as QueryDeepPartialEntity<Subscription>);
    if (hooks.register) {
      try {
        await hooks.register(subscription, settings);
      } catch (error) {
        // Nothing half-made: the vendor refused, so the subscription goes again here.
        await this.subscriptions.delete({ id });
        throw error;
      }
      await this.subscriptions.update({ id }, pickColumns(subscription, ['vendorRef', 'vendorConfig', ...MIRRORED_STATUS]));
    }
    return this.withSecret(await this.findOrFail(id), generated ?? null);
  }

  async list(query: ListSubscriptionsQuery): Promise<SubscriptionPage> {
    const [rows, total] = await this.subscriptions.findAndCount({
      // TypeORM 1.x refuses undefined in a where object, so only the filters given are passed.
      where: {
        ...NOT_DELETED,
        ...(query.vendor !== undefined && { vendor: query.vendor }),
        ...(query.status !== undefined && { status: query.status }),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: query.limit ?? 100,
      skip: query.offset ?? 0,
    });
    return { data: rows.map((row) => this.view(row)), total };
  }

  async get(id: string): Promise<SubscriptionView> {
    return this.view(await this.findOrFail(id));
  }

  async update(id: string, dto: UpdateSubscriptionDto): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    const vendor = this.vendors.get(subscription.vendor);
    if (dto.callbackUrl !== undefined && dto.callbackUrl !== subscription.callbackUrl) {
      if (vendor.callbackUrlChangeRefusal) throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, vendor.callbackUrlChangeRefusal);
      this.callbackUrls.assertAllowed(dto.callbackUrl);
    }
    this.refuseUnusedSettings(vendor, dto);
    if (dto.name !== undefined) subscription.name = dto.name;
    if (dto.description !== undefined) subscription.description = dto.description;
    if (dto.callbackUrl !== undefined) subscription.callbackUrl = dto.callbackUrl;
    if (dto.eventTypes !== undefined) subscription.eventTypes = dto.eventTypes;
    if (dto.signature !== undefined) {
      // The DTO instance carries its unset fields as undefined; they must not erase stored settings.
      const given = Object.entries(dto.signature).filter(([, value]) => value !== undefined);
      subscription.signature = { ...subscription.signature, ...Object.fromEntries(given) };
    }
    if (dto.requiredHeaders !== undefined) subscription.requiredHeaders = dto.requiredHeaders;
    this.prepare(vendor, subscription);
    // Only the settings this call is about: a whole-row save would undo concurrent changes.
    await this.subscriptions.update({ id: subscription.id }, pickColumns(subscription, ['name', 'description', 'callbackUrl', 'eventTypes', 'signature', 'requiredHeaders']));
    return this.get(subscription.id);
  }

  /** An operator's disable (see SubscriptionLifecycle.disable: a second one keeps the first reason). */
  async disable(id: string, dto: DisableSubscriptionDto): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    await this.lifecycle.disable(subscription, dto);
    return this.get(subscription.id);
  }

  /** An operator's enable (see SubscriptionLifecycle.enable). */
  async enable(id: string): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    await this.lifecycle.enable(this.vendors.get(subscription.vendor), subscription);
    return this.get(subscription.id);
  }

  /**
   * New secret (given or generated); the old one keeps working for the grace period. The row is
   * locked while it changes, so concurrent rotations run one after the other and each moves aside
   * the secret the one before it set. One previous secret at a time: a rotation with a grace while
   * an earlier grace runs is refused (409), so no secret shown is cut short; `graceSeconds: 0` is
   * allowed (it asks for only the new secret from now on, the earlier previous one included).
   */
  async rotateSecret(id: string, dto: RotateSecretDto): Promise<SubscriptionWithSecret> {
    if (!isUUID(id)) throw notFound(id);
    const generated = await this.subscriptions.manager.transaction(async (manager) => {
      const locked = await manager.getRepository(Subscription).findOne({ where: { ...NOT_DELETED, id }, lock: { mode: 'pessimistic_write' } });
      if (!locked) throw notFound(id);
      return this.rotateLocked(locked, dto, manager.getRepository(Subscription));
    });
    return this.withSecret(await this.findOrFail(id), generated);
  }

  /** The rotation itself, on a row this transaction holds locked; returns the secret it generated. */
  private async rotateLocked(subscription: Subscription, dto: RotateSecretDto, repository: Repository<Subscription>): Promise<string | null> {
    const vendor = this.vendors.get(subscription.vendor);
    if (vendor.secretRotationRefusal) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, vendor.secretRotationRefusal);
    }
    if (dto.secret === undefined && vendor.secretSource === 'vendor') {
      throw new AppException(
        HttpStatus.BAD_REQUEST,
        ErrorCode.ValidationFailed,
        `${subscription.vendor} issues the secret itself: pass it as "secret" (a generated one would not be known to ${subscription.vendor})`,
      );
    }
    const { previous, previousExpiresAt } = rotatedPrevious(
      { current: subscription.secret, previous: subscription.previousSecret, previousExpiresAt: subscription.previousSecretExpiresAt },
      dto.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      { stillDoes: 'secret is still accepted', onlyNew: 'accept only the new secret' },
    );
    const generated = dto.secret === undefined ? generateSecret() : undefined;
    subscription.previousSecret = previous;
    subscription.previousSecretExpiresAt = previousExpiresAt;
    subscription.secret = dto.secret ?? generated!;
    await repository.update({ id: subscription.id }, pickColumns(subscription, ['secret', 'previousSecret', 'previousSecretExpiresAt']));
    return generated ?? null;
  }

  /**
   * A soft delete: the row stays, so its events keep their subscription id (and GET /api/events
   * still filters by it), but it answers 404 on every route and leaves every list. What only served
   * it goes: its secrets, required-header values and kept rejections. A vendor that has it too
   * (hooks.unregister) deletes it there first.
   */
  async remove(id: string): Promise<void> {
    const subscription = await this.findOrFail(id);
    await this.vendors.hooks(this.vendors.get(subscription.vendor)).unregister?.(subscription);
    await this.subscriptions.manager.transaction(async (manager) => {
      const result = await manager.update(
        Subscription,
        { ...NOT_DELETED, id: subscription.id },
        { deletedAt: () => 'now()', secret: null, previousSecret: null, previousSecretExpiresAt: null, requiredHeaders: {} },
      );
      // Deleted by a concurrent call meanwhile: that one answered 204.
      if (!result.affected) throw notFound(id);
      await manager.delete(WebhookRejection, { subscriptionId: subscription.id });
    });
  }

  /** Asks the vendor for the subscription's current status and mirrors it (vendors that own the status). */
  async sync(id: string): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    const vendor = this.vendors.get(subscription.vendor);
    const hooks = this.vendors.hooks(vendor);
    if (!ownsStatus(vendor) || !hooks.sync) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, `${vendor.name} subscriptions have no status at the vendor to sync`);
    }
    await hooks.sync(subscription);
    await this.lifecycle.saveMirroredStatus(subscription);
    return this.get(subscription.id);
  }

  /** The subscription a webhook names, or 404 (unknown, or another vendor's) / 410 (disabled). */
  async findForWebhook(vendor: string, id: string): Promise<Subscription> {
    const found = isUUID(id) ? await this.lookup.find(id) : null;
    const subscription = found?.vendor === vendor ? found : null;
    if (!subscription) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No ${vendor} subscription ${id}`);
    }
    if (refusesDeliveries(subscription)) {
      throw new AppException(HttpStatus.GONE, ErrorCode.SubscriptionDisabled, 'This subscription is disabled');
    }
    return subscription;
  }

  /** The stored subscription (secrets decrypted), or 404; a deleted one too is 404. */
  async findOrFail(id: string): Promise<Subscription> {
    const subscription = isUUID(id) ? await this.subscriptions.findOneBy({ ...NOT_DELETED, id }) : null;
    if (!subscription) throw notFound(id);
    return subscription;
  }

  /** A setting the vendor never reads would be stored and silently change nothing: refused, saying so. */
  private refuseUnusedSettings(vendor: VendorDefinition, given: object): void {
    const problems = this.vendors.unusedSettings(vendor, given);
    if (problems.length > 0) throw validationFailed(problems);
  }

  private prepare(vendor: VendorDefinition, subscription: Subscription): void {
    const problems = vendor.prepare?.(subscription) ?? [];
    if (problems.length > 0) throw validationFailed(problems);
  }

  private view(subscription: Subscription): SubscriptionView {
    // A row of a vendor this instance does not serve (removed from its list) is still shown.
    return toSubscriptionView(subscription, this.vendors.has(subscription.vendor) ? this.vendors.get(subscription.vendor) : undefined);
  }

  private withSecret(subscription: Subscription, secret: string | null): SubscriptionWithSecret {
    const view: SubscriptionWithSecret = this.view(subscription);
    if (secret !== null) view.secret = secret;
    return view;
  }
}

function notFound(id: string): AppException {
  return new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No subscription ${id}`);
}


/** The vendor's own settings object as given at creation (VendorDefinition.settings). */
function ownSettingsGiven(vendor: VendorDefinition, dto: CreateSubscriptionDto): Record<string, unknown> | undefined {
  const own = ownSettingsOf(vendor);
  return own ? ((dto as unknown as Record<string, Record<string, unknown> | undefined>)[own.name]) : undefined;
}

function generateSecret(): string {
  return randomBytes(32).toString('hex');
}
