import type { VendorDefinition } from '../vendor-definition';
import { insightArcSample } from './insightarc.sample';
import { InsightArcSignalDto } from './dto/insightarc-signal.dto';

/** InsightArc's payload names no event type; every delivery is a signal update. */
export const INSIGHTARC_EVENT_TYPE = 'signal';

/**
 * InsightArc: `x-insightarc-signature` is base64 HMAC-SHA1 of body + the callback URL as registered
 * there, with the secret InsightArc shows in its project settings (so it is never generated here).
 * Its HEAD check at webhook creation activates the subscription. The signal carries no id and no
 * timestamp: events dedupe on the raw body's hash and have no occurred-at.
 */
export const insightArcVendor: VendorDefinition = {
  name: 'insightarc',
  secretSource: 'vendor',
  settings: [],
  activateOnHead: true,
  dto: InsightArcSignalDto,
  sample: insightArcSample,
  headCheck: 'plain',
  eventType: () => INSIGHTARC_EVENT_TYPE,
  occurredAt: () => null,
};
