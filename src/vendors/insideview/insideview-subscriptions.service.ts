import { HttpStatus, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { AppException } from '../../common/app.exception';
import { ErrorCode } from '../../common/error-code';
import { validateAs } from '../../common/validation-problems';
import { SubscriptionStatus } from '../../subscriptions/subscription-status';
import type { Subscription } from '../../subscriptions/subscription.entity';
import type { VendorHooks } from '../vendor-definition';
import { InsideViewSettingsDto } from './dto/insideview-settings.dto';
import { InsideViewAlertQueue } from './insideview-alert-queue';
import { InsideViewApiClient, type InsideViewSubscription } from './insideview-api.client';
import { InsideViewApiError, InsideViewNotConfiguredError } from './insideview-api.errors';
import { toHttpError } from './insideview-errors.mapper';
import { InsideViewErrorCode } from './insideview-error-code';
import { validationFailed } from '../../common/api-validation.pipe';

/** Code stored when InsideView no longer knows a subscription the gateway has. */
export const GONE_AT_INSIDEVIEW = 'NOT_FOUND_AT_INSIDEVIEW';
const STATUSES = new Set<string>(Object.values(SubscriptionStatus));

/** The InsideView side of a subscription's life (InsideView's VendorHooks): create and delete there, mirror its status here. */
@Injectable()
export class InsideViewSubscriptionsService implements VendorHooks {
  constructor(
    private readonly client: InsideViewApiClient,
    private readonly alerts: InsideViewAlertQueue,
  ) {}

  /** Refuses bad settings (400) or a gateway without credentials (503) before anything is stored. */
  async validateSettings(settings: Record<string, unknown> | undefined): Promise<void> {
    await this.parseSettings(settings);
  }

  /** Creates the subscription at InsideView with our callback URL and signing secret. */
  async register(subscription: Subscription, settings: Record<string, unknown> | undefined): Promise<void> {
    const dto = await this.parseSettings(settings);
    let remote: InsideViewSubscription;
    try {
      remote = await this.client.createSubscription({
        subscriptionType: dto.subscriptionType,
        webhook: subscription.callbackUrl,
        signingSecret: subscription.secret!,
        frequency: dto.frequency,
        startTime: dto.startTime,
        companyIds: dto.companyIds,
        peopleIds: dto.peopleIds,
        fields: dto.fields,
      });
    } catch (error) {
      throw toHttpError(error, 'create the subscription');
    }
    const vendorRef = remote?.subscriptionId ?? remote?.id;
    if (!vendorRef) {
      throw new AppException(HttpStatus.BAD_GATEWAY, InsideViewErrorCode.Unavailable, 'InsideView created a subscription but did not say its id');
    }
    subscription.vendorRef = String(vendorRef);
    subscription.vendorConfig = { ...dto };
    this.mirror(subscription, remote);
  }

  /** Deletes it at InsideView (one InsideView no longer has counts as deleted), and fails its alerts not yet fetched. */
  async unregister(subscription: Subscription): Promise<void> {
    await this.deleteAtInsideView(subscription);
    await this.alerts.abandonQueued(subscription.id);
  }

  private async deleteAtInsideView(subscription: Subscription): Promise<void> {
    if (!subscription.vendorRef) return;
    try {
      await this.client.deleteSubscription(subscription.vendorRef);
    } catch (error) {
      if (error instanceof InsideViewApiError && error.status === 404) return;
      throw toHttpError(error, 'delete the subscription at InsideView');
    }
  }

  /** Reads InsideView's status and mirrors it verbatim onto the subscription (not saved). */
  async sync(subscription: Subscription): Promise<void> {
    if (!subscription.vendorRef) return;
    try {
      this.mirror(subscription, await this.client.getSubscription(subscription.vendorRef));
    } catch (error) {
      if (error instanceof InsideViewApiError && error.status === 404) {
        subscription.status = SubscriptionStatus.Disabled;
        subscription.disabledBy = 'vendor';
        subscription.disableReasonErrorCode = GONE_AT_INSIDEVIEW;
        subscription.disableReasonMessage = 'InsideView no longer has this subscription';
        subscription.vendorSyncedAt = new Date();
        return;
      }
      throw toHttpError(error, 'read the subscription at InsideView');
    }
  }

  private mirror(subscription: Subscription, remote: InsideViewSubscription): void {
    const webhook = remote?.webhook ?? {};
    const status = webhook.status ?? remote?.status;
    subscription.vendorSyncedAt = new Date();
    if (!status || !STATUSES.has(status)) return;
    subscription.status = status as SubscriptionStatus;
    subscription.disabledBy = subscription.status === SubscriptionStatus.Disabled ? 'vendor' : null;
    if (subscription.status === SubscriptionStatus.Disabled) {
      subscription.disableReasonErrorCode = webhook.disableReasonErrorCode ?? remote.disableReasonErrorCode ?? null;
      subscription.disableReasonMessage = webhook.disableReasonMessage ?? remote.disableReasonMessage ?? null;
    } else {
      subscription.disableReasonErrorCode = null;
      subscription.disableReasonMessage = null;
    }
    if (subscription.status === SubscriptionStatus.Active) subscription.verifiedAt ??= new Date();
  }

  private async parseSettings(settings: Record<string, unknown> | undefined): Promise<InsideViewSettingsDto> {
    if (!this.client.configured) throw toHttpError(new InsideViewNotConfiguredError(), 'create the subscription');
    if (!settings) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.ValidationFailed, 'insideview settings are required: {subscriptionType, companyIds | peopleIds, frequency?, fields?}');
    }
    const problems = await validateAs(InsideViewSettingsDto, settings, { detail: 'every-rule', parent: 'insideview', whitelist: true, forbidNonWhitelisted: true });
    if (problems.length > 0) throw validationFailed(problems);
    return plainToInstance(InsideViewSettingsDto, settings);
  }
}
