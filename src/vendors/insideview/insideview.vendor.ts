import { stringAt } from '../../events/payload-fields';
import type { Subscription } from '../../subscriptions/subscription.entity';
import type { VendorDefinition } from '../vendor-definition';
import { insideviewSignatureScheme } from './insideview.signature';
import { INSIDEVIEW_DOCUMENTED_SAMPLE, insideviewSample } from './insideview.sample';
import { InsideViewAlertNotificationDto } from './dto/insideview-alert-notification.dto';
import { InsideViewSettingsDto } from './dto/insideview-settings.dto';
import { InsideViewAlert } from './insideview-alert.entity';
import { InsideViewErrorCode } from './insideview-error-code';
import { parseInsideViewDate } from './insideview-date';
import { InsideViewSubscriptionsService } from './insideview-subscriptions.service';
import { insideviewHeadCheck, VALIDATION_HEADER } from './insideview-validation-code';
import { VendorThrottle } from './vendor-throttle.entity';

/**
 * InsideView: subscriptions are created at InsideView by the gateway (with a generated signing
 * secret), its status is mirrored from InsideView's API, and each alert notification is stored
 * once per alert id. Its hooks (InsideViewSubscriptionsService) call InsideView.
 */
export const insideviewVendor: VendorDefinition = {
  name: 'insideview',
  setupSteps: (subscription) => [
    `Nothing to enter at InsideView: the gateway created it there (id \`${subscription.vendorRef ?? '—'}\`) with \`${subscription.callbackUrl}\`. InsideView checks it within minutes; *Sync* reads its verdict now.`,
  ],
  secretSource: 'generate',
  signature: insideviewSignatureScheme,
  settings: [{ name: 'insideview', dto: InsideViewSettingsDto, description: 'InsideView (required there): what InsideView should watch' }],
  activateOnHead: false,
  ownsStatus: true,
  hooks: InsideViewSubscriptionsService,
  entities: [InsideViewAlert, VendorThrottle],
  dto: InsideViewAlertNotificationDto,
  docs: {
    title: 'InsideView',
    example: INSIDEVIEW_DOCUMENTED_SAMPLE,
    headCheck:
      "InsideView validates the URL with a HEAD carrying X-InsideViewAPI-ValidationCode, within 2–3 minutes of the subscription's creation; " +
      "the code is echoed in a response header of exactly that name and casing. InsideView's verdict reaches the subscription through the status sync.",
    echoedHeader: { name: VALIDATION_HEADER, description: "InsideView's validation code, echoed in the response (at most 500 characters)" },
    tags: [{ name: 'insideview alerts', description: 'InsideView alerts and the fetch of their details' }],
  },
  sample: insideviewSample,
  secretRotationRefusal:
    'InsideView signs alerts with the signing secret the subscription was created with; to change it, delete the subscription and create a new one',
  callbackUrlChangeRefusal:
    'InsideView calls the callback URL the subscription was created with, and the gateway does not change it there; ' +
    'to use another URL, delete the subscription and create a new one with that callbackUrl',
  headCheck: insideviewHeadCheck,
  errorCodes: InsideViewErrorCode,
  hookErrors: [
    { status: 502, description: 'InsideView refused, or could not be reached', codes: [InsideViewErrorCode.Refused, InsideViewErrorCode.Unavailable] },
    {
      status: 503,
      description: 'InsideView is not configured or is throttling calls',
      codes: [InsideViewErrorCode.NotConfigured, InsideViewErrorCode.Throttled],
      retryAfter: [InsideViewErrorCode.Throttled],
    },
  ],
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
