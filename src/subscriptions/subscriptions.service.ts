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
import { SubscriptionLookup } from './subscription-lookup';
import { SubscriptionStatus } from './subscription-status';
import { Subscription } from './subscription.entity';
import { toSubscriptionView, type SubscriptionPage, type SubscriptionView, type SubscriptionWithSecret } from './subscription.view';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { VendorRegistry } from './vendor-registry';


/** Code stored when an operator disables a subscription without giving one. */
export const OPERATOR_DISABLED_CODE = 'OPERATOR_DISABLED';

@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly vendors: VendorRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lookup: SubscriptionLookup,
  ) {}

  async create(dto: CreateSubscriptionDto): Promise<SubscriptionWithSecret> {
    const vendor = this.vendors.get(dto.vendor);
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
    });
    this.prepare(vendor, subscription);
    await vendor.validateSettings?.(dto.insideview);
    // Stored first, so a vendor that checks the callback URL at once (InsideView's HEAD) finds it.
    await this.subscriptions.insert(subscription as QueryDeepPartialEntity<Subscription>);
    if (vendor.register) {
      try {
        await vendor.register(subscription, dto.insideview);
      } catch (error) {
        // Nothing half-made: the vendor refused, so the subscription goes again here.
        await this.subscriptions.delete({ id });
        throw error;
      }
      await this.subscriptions.update({ id }, pick(subscription, ['vendorRef', 'vendorConfig', ...MIRRORED_STATUS]));
    }
    return this.withSecret(await this.findOrFail(id), generated ?? null);
  }

  async list(query: ListSubscriptionsQuery): Promise<SubscriptionPage> {
    const [rows, total] = await this.subscriptions.findAndCount({
      // TypeORM 1.x refuses undefined in a where object, so only the filters given are passed.
      where: {
        ...(query.vendor !== undefined && { vendor: query.vendor }),
        ...(query.status !== undefined && { status: query.status }),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: query.limit ?? 100,
      skip: query.offset ?? 0,
    });
    return { data: rows.map((row) => toSubscriptionView(row)), total };
  }

  async get(id: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.findOrFail(id));
  }

  async update(id: string, dto: UpdateSubscriptionDto): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    this.refuseUnusedSettings(this.vendors.get(subscription.vendor), dto);
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
    this.prepare(this.vendors.get(subscription.vendor), subscription);
    // Only the settings this call is about: a whole-row save would undo concurrent changes.
    await this.subscriptions.update({ id: subscription.id }, pick(subscription, ['name', 'description', 'callbackUrl', 'eventTypes', 'signature', 'requiredHeaders']));
    return this.get(subscription.id);
  }

  async disable(id: string, dto: DisableSubscriptionDto): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    await this.subscriptions.update(
      { id: subscription.id },
      {
        status: SubscriptionStatus.Disabled,
        disabledBy: 'operator',
        disableReasonErrorCode: dto.code ?? OPERATOR_DISABLED_CODE,
        disableReasonMessage: dto.message ?? 'Disabled by an operator',
      },
    );
    return this.get(subscription.id);
  }

  /** Back to ACTIVE if it ever was; for a vendor that owns the status, pending until the next sync. */
  async enable(id: string): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    const mirrored = this.vendors.get(subscription.vendor).sync !== undefined;
    await this.subscriptions.update(
      { id: subscription.id },
      {
        status: subscription.verifiedAt && !mirrored ? SubscriptionStatus.Active : SubscriptionStatus.VerificationPending,
        disabledBy: null,
        disableReasonErrorCode: null,
        disableReasonMessage: null,
        ...(mirrored && { vendorSyncedAt: null }),
      },
    );
    return this.get(subscription.id);
  }

  /** New secret (given or generated); the old one keeps working for the grace period. */
  async rotateSecret(id: string, dto: RotateSecretDto): Promise<SubscriptionWithSecret> {
    const subscription = await this.findOrFail(id);
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
    const graceSeconds = dto.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    const generated = dto.secret === undefined ? generateSecret() : undefined;
    if (subscription.secret !== null && graceSeconds > 0) {
      subscription.previousSecret = subscription.secret;
      subscription.previousSecretExpiresAt = new Date(Date.now() + graceSeconds * 1000);
    } else {
      subscription.previousSecret = null;
      subscription.previousSecretExpiresAt = null;
    }
    subscription.secret = dto.secret ?? generated!;
    await this.subscriptions.update({ id: subscription.id }, pick(subscription, ['secret', 'previousSecret', 'previousSecretExpiresAt']));
    return this.withSecret(await this.findOrFail(subscription.id), generated ?? null);
  }

  async remove(id: string): Promise<void> {
    const subscription = await this.findOrFail(id);
    await this.vendors.get(subscription.vendor).unregister?.(subscription);
    await this.subscriptions.delete({ id: subscription.id });
  }

  /** Asks the vendor for the subscription's current status and mirrors it (InsideView). */
  async sync(id: string): Promise<SubscriptionView> {
    const subscription = await this.findOrFail(id);
    const vendor = this.vendors.get(subscription.vendor);
    if (!vendor.sync) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, `${vendor.name} subscriptions have no status at the vendor to sync`);
    }
    await vendor.sync(subscription);
    await this.saveMirroredStatus(subscription);
    return this.get(subscription.id);
  }

  /**
   * Stores a status read from the vendor, unless an operator disabled the subscription meanwhile:
   * the operator's switch wins over a sync that was in flight. Returns whether it was stored.
   */
  async saveMirroredStatus(subscription: Subscription): Promise<boolean> {
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set(pick(subscription, MIRRORED_STATUS))
      .where('id = :id', { id: subscription.id })
      .andWhere("NOT (status = :disabled AND COALESCE(disabled_by, 'operator') = 'operator')", { disabled: SubscriptionStatus.Disabled })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The subscription a webhook names, or 404 (unknown, or another vendor's) / 410 (disabled). */
  async findForWebhook(vendor: string, id: string): Promise<Subscription> {
    const found = isUUID(id) ? await this.lookup.find(id) : null;
    const subscription = found?.vendor === vendor ? found : null;
    if (!subscription) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No ${vendor} subscription ${id}`);
    }
    // Disabled by the vendor (InsideView's verdict) it still answers, so the vendor can check it again.
    if (subscription.status === SubscriptionStatus.Disabled && subscription.disabledBy !== 'vendor') {
      throw new AppException(HttpStatus.GONE, ErrorCode.SubscriptionDisabled, 'This subscription is disabled');
    }
    return subscription;
  }

  /** A vendor's HEAD check proves the URL is registered: a pending subscription becomes ACTIVE. */
  async markVerified(subscription: Subscription): Promise<void> {
    if (subscription.status !== SubscriptionStatus.VerificationPending) return;
    await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ status: SubscriptionStatus.Active, verifiedAt: () => 'COALESCE(verified_at, now())' })
      .where('id = :id AND status = :pending', { id: subscription.id, pending: SubscriptionStatus.VerificationPending })
      .execute();
  }

  /** Secrets a delivery may be signed with: the current one and the previous one while its grace lasts. */
  validSecrets(subscription: Subscription, now = new Date()): string[] {
    const secrets = subscription.secret === null ? [] : [subscription.secret];
    if (subscription.previousSecret !== null && subscription.previousSecretExpiresAt && subscription.previousSecretExpiresAt > now) {
      secrets.push(subscription.previousSecret);
    }
    return secrets;
  }

  /** The stored subscription (secrets decrypted), or 404. */
  async findOrFail(id: string): Promise<Subscription> {
    const subscription = isUUID(id) ? await this.subscriptions.findOneBy({ id }) : null;
    if (!subscription) {
      throw new AppException(HttpStatus.NOT_FOUND, ErrorCode.SubscriptionNotFound, `No subscription ${id}`);
    }
    return subscription;
  }

  /** A setting the vendor never reads would be stored and silently change nothing: refused, saying so. */
  private refuseUnusedSettings(vendor: VendorDefinition, given: object): void {
    const problems = this.vendors.unusedSettings(vendor, given);
    if (problems.length > 0) throw validationFailed(problems);
  }

  private prepare(vendor: VendorDefinition, subscription: Subscription): void {
    const problems = vendor.prepare?.(subscription) ?? [];
    if (problems.length > 0) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, problems.join('; '), problems);
    }
  }

  private withSecret(subscription: Subscription, secret: string | null): SubscriptionWithSecret {
    const view: SubscriptionWithSecret = toSubscriptionView(subscription);
    if (secret !== null) view.secret = secret;
    return view;
  }
}

/** The columns a vendor's status sync writes. */
const MIRRORED_STATUS = ['status', 'disabledBy', 'disableReasonErrorCode', 'disableReasonMessage', 'verifiedAt', 'vendorSyncedAt'] as const;

function pick<K extends keyof Subscription>(subscription: Subscription, keys: readonly K[]): QueryDeepPartialEntity<Subscription> {
  return Object.fromEntries(keys.map((key) => [key, subscription[key]])) as QueryDeepPartialEntity<Subscription>;
}

function generateSecret(): string {
  return randomBytes(32).toString('hex');
}
