import { isoDateAt, stringAt } from '../../events/payload-fields';
import type { Subscription } from '../../subscriptions/subscription.entity';
import type { VendorDefinition } from '../vendor-definition';
import { VISITOR_TRACKING_DOCUMENTED_SAMPLE, visitorTrackingSample } from './visitor-tracking.sample';
import { VISITOR_TRACKING_DEFAULT_SIGNATURE, visitorTrackingSignature, visitorTrackingSignatureScheme } from './visitor-tracking.signature';
import { VisitorTrackingEventDto } from './dto/visitor-tracking-event.dto';

export const VISITOR_TRACKING_EVENT_TYPES = ['NEW_VISIT', 'NEW_VISITOR'] as const;
export type VisitorTrackingEventType = (typeof VISITOR_TRACKING_EVENT_TYPES)[number];


function eventTypeOf(subscription: Subscription): VisitorTrackingEventType | null {
  const [eventType] = subscription.eventTypes;
  return (VISITOR_TRACKING_EVENT_TYPES as readonly string[]).includes(eventType) ? (eventType as VisitorTrackingEventType) : null;
}

/**
 * Visitor-tracking platform: the payload names no event type, because each webhook at the vendor
 * is created for one; the subscription records which (exactly one of NEW_VISIT, NEW_VISITOR).
 * Authentication is what the customer configured there: a header holding the shared secret or a
 * hex HMAC-SHA256 of the raw body, plus any required custom headers. A visit dedupes on its id,
 * a new visitor on the visitor's id.
 */
export const visitorTrackingVendor: VendorDefinition = {
  name: 'visitor-tracking',
  setupSteps: (subscription) => {
    const header = `\`${subscription.signature?.header ?? VISITOR_TRACKING_DEFAULT_SIGNATURE.header}\``;
    const value = subscription.signature?.scheme === 'hmac-sha256' ? ' with the HMAC-SHA256 of the body (keyed with the secret)' : ' with the secret as its value';
    const required = subscription.requiredHeaders.length ? `, plus ${subscription.requiredHeaders.map((name) => `\`${name}\``).join(' ')} with their values` : '';
    return [
      `In the platform, *Settings → Webhooks → Create Webhook*: URL \`${subscription.callbackUrl}\`, event type \`${subscription.eventTypes.join(', ') || '(set eventTypes)'}\`.`,
      `Header ${header}${value}${required}.`,
    ];
  },
  secretSource: 'generate',
  signature: visitorTrackingSignatureScheme,
  settings: ['eventTypes', 'signature'],
  // The platform documents no HEAD check, and an unauthenticated HEAD proves nothing.
  activateOnHead: false,
  dto: VisitorTrackingEventDto,
  docs: {
    title: 'Visitor-tracking',
    example: VISITOR_TRACKING_DOCUMENTED_SAMPLE,
    headCheck: 'The platform makes no HEAD check; answers 200 for a known subscription.',
  },
  sample: visitorTrackingSample,
  eventType: (_payload, subscription) => eventTypeOf(subscription),
  occurredAt: (payload) => isoDateAt(payload, 'date'),
  dedupeKey: (payload, subscription) => {
    const eventType = eventTypeOf(subscription);
    const id = stringAt(payload, eventType === 'NEW_VISITOR' ? 'visitor.id' : 'id');
    return eventType && id ? `${eventType}:${id}` : null;
  },
  prepare: (subscription) => {
    const problems: string[] = [];
    if (subscription.eventTypes.length !== 1 || eventTypeOf(subscription) === null) {
      problems.push(`eventTypes must be exactly one of ${VISITOR_TRACKING_EVENT_TYPES.join(', ')}, as chosen for the webhook at the vendor`);
    }
    const signature = visitorTrackingSignature(subscription);
    subscription.signature = signature;
    // The same header cannot carry both the secret and a fixed value; every delivery would fail.
    if (Object.keys(subscription.requiredHeaders).some((name) => name.toLowerCase() === signature.header.toLowerCase())) {
      problems.push(`requiredHeaders must not include the signature header ${signature.header}`);
    }
    return problems;
  },
};
