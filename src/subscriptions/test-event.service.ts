import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { DeliveryReport, sendHeadCheck, sendSampleDelivery } from '../webhooks/sample-sender';
import { CallbackUrlPolicy } from './callback-url-policy';
import { SubscriptionsService } from './subscriptions.service';
import { VendorRegistry } from './vendor-registry';

export class TestEventReport {
  @ApiProperty({ description: 'True when every request got the answer the vendor needs', example: true })
  ok: boolean;

  @ApiPropertyOptional({ description: "The vendor's HEAD check of the URL, sent first for vendors that make one", type: () => DeliveryReport })
  headCheck?: DeliveryReport;

  @ApiProperty({ description: "The vendor's signed sample, POSTed to the callback URL", type: () => DeliveryReport })
  delivery: DeliveryReport;
}

/**
 * Sends the vendor's signed sample to the subscription's own public callback URL, through whatever
 * DNS, TLS, proxy and routing stand in front of the gateway: what the vendor's "send a test event"
 * does, from the inside.
 */
@Injectable()
export class TestEventService {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly vendors: VendorRegistry,
    private readonly callbackUrls: CallbackUrlPolicy,
  ) {}

  async send(id: string): Promise<TestEventReport> {
    const subscription = await this.subscriptions.findOrFail(id);
    if (subscription.secret === null) {
      throw new AppException(HttpStatus.CONFLICT, ErrorCode.SecretNotSet, 'The subscription has no secret yet, so no delivery could be signed');
    }
    // Checked again here: the URL may have been stored before the rule, or under another configuration.
    this.callbackUrls.assertAllowed(subscription.callbackUrl);
    const vendor = this.vendors.get(subscription.vendor);
    const target = { ...subscription, secret: subscription.secret };
    const headCheck = vendor.headCheck ? await sendHeadCheck(vendor.headCheck, subscription.callbackUrl) : undefined;
    const delivery = await sendSampleDelivery(vendor, target, { extraHeaders: subscription.requiredHeaders });
    return { ok: delivery.ok && (headCheck?.ok ?? true), ...(headCheck && { headCheck }), delivery };
  }
}
