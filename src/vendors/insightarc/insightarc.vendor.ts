import { bodyHashKey } from '../../events/dedupe-key';
import { PLAIN_HEAD_CHECK, type VendorDefinition } from '../vendor-definition';
import { insightArcCanonicalBody, insightArcSignatureScheme } from './insightarc.signature';
import { INSIGHTARC_DOCUMENTED_SAMPLE, insightArcSample } from './insightarc.sample';
import { InsightArcSignalDto } from './dto/insightarc-signal.dto';

/** InsightArc's payload names no event type; every delivery is a signal update. */
export const INSIGHTARC_EVENT_TYPE = 'signal';

/**
 * InsightArc: `x-insightarc-signature` is base64 HMAC-SHA1 of body + the callback URL as registered
 * there, with the secret InsightArc shows in its project settings (so it is never generated here).
 * Its HEAD check at webhook creation activates the subscription. The signal carries no id and no
 * timestamp, so events have no occurred-at and dedupe on a hash of the form that is signed: the
 * guard accepts a signature over the re-serialised body, so a delivery re-sent with other
 * whitespace is still authentic, and must still be the same event. (For the usual compact body
 * that form is the raw bytes, so the key is the raw body's hash, as before.)
 */
export const insightArcVendor: VendorDefinition = {
  name: 'insightarc',
  setupSteps: (subscription) => [
    `In InsightArc, project settings → *Webhook* tab: create the webhook with exactly \`${subscription.callbackUrl}\`. InsightArc checks it with \`HEAD\`, which turns this subscription ACTIVE.`,
    subscription.hasSecret
      ? 'The secret is set. When InsightArc\'s secret changes, *Rotate secret* with the new one.'
      : 'Copy InsightArc\'s webhook secret and *Rotate secret* here with it (grace 0): until then deliveries are refused with `SECRET_NOT_SET`.',
  ],
  secretSource: 'vendor',
  signature: insightArcSignatureScheme,
  settings: [],
  activateOnHead: true,
  dto: InsightArcSignalDto,
  docs: {
    title: 'InsightArc',
    example: INSIGHTARC_DOCUMENTED_SAMPLE,
    headCheck: 'InsightArc checks the URL with HEAD when the webhook is created there and refuses it unless it gets 200; this turns a pending subscription ACTIVE.',
  },
  sample: insightArcSample,
  headCheck: PLAIN_HEAD_CHECK,
  eventType: () => INSIGHTARC_EVENT_TYPE,
  occurredAt: () => null,
  dedupeKey: (payload) => {
    const canonical = insightArcCanonicalBody(payload);
    return canonical === null ? null : bodyHashKey(canonical);
  },
};
