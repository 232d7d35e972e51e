import { stringAt } from '../../events/payload-fields';
import type { Subscription } from '../../subscriptions/subscription.entity';
import type { VendorDefinition } from '../vendor-definition';
import { insideviewSample } from './insideview.sample';
import { insideviewSignatureScheme } from './insideview.signature';
import { InsideViewAlertNotificationDto } from './dto/insideview-alert-notification.dto';
import { parseInsideViewDate } from './insideview-date';
import { InsideViewErrorCode } from './insideview-error-code';

/**
 * InsideView: subscriptions are created at InsideView by the gateway (with a generated signing
 * secret), its status is mirrored from InsideView's API, and each alert notification is stored
 * once per alert id. The hooks that call InsideView are added by InsideViewController.
 */
export const insideviewVendor: VendorDefinition = {
  name: 'insideview',
  secretSource: 'generate',
  signature: insideviewSignatureScheme,
  settings: ['insideview'],
  activateOnHead: false,
  ownsStatus: true,
  dto: InsideViewAlertNotificationDto,
  sample: insideviewSample,
  secretRotationRefusal:
    'InsideView signs alerts with the signing secret the subscription was created with; to change it, delete the subscription and create a new one',
  callbackUrlChangeRefusal:
    'InsideView calls the callback URL the subscription was created with, and the gateway does not change it there; ' +
    'to use another URL, delete the subscription and create a new one with that callbackUrl',
  headCheck: 'insideview-echo',
  errorCodes: InsideViewErrorCode,
  eventType: () => 'alert',
  occurredAt: (payload) => parseInsideViewDate(stringAt(payload, 'date')),
  payloadProblems: (payload, subscription) =>
    namesOtherSubscription(payload, subscription)
      ? [`subscriptionId ${JSON.stringify(stringAt(payload, 'subscriptionId'))} is not this subscription's InsideView id (vendorRef ${JSON.stringify(subscription.vendorRef)})`]
      : [],
  // An alert addressed to another subscription is kept by its bytes, so it never stands in for this one's alert of that id.
  dedupeKey: (payload, subscription) => {
    const alertId = stringAt(payload, 'alertId', 100);
    return alertId && !namesOtherSubscription(payload, subscription) ? `alert:${alertId}` : null;
  },
};

/** Whether the notification names a subscription id (a readable one) other than this subscription's InsideView id. */
function namesOtherSubscription(payload: unknown, subscription: Subscription): boolean {
  const named = stringAt(payload, 'subscriptionId');
  return named !== null && named !== subscription.vendorRef;
}
