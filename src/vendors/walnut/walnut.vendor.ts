import { isoDateAt, stringAt } from '../../events/payload-fields';
import type { VendorDefinition } from '../vendor-definition';
import { walnutSignatureScheme } from './walnut.signature';
import { WALNUT_DOCUMENTED_SAMPLE, walnutSample } from './walnut.sample';
import { WalnutEventDto } from './dto/walnut-event.dto';

/**
 * Walnut: `X-Walnut-Signature` is lowercase hex HMAC-SHA256 of the raw body with the webhook key.
 * Walnut retries and may deliver out of order, so events dedupe on the raw body's hash and carry
 * the payload's own `timestamp`.
 */
export const walnutVendor: VendorDefinition = {
  name: 'walnut',
  setupSteps: (subscription) => [
    `In Walnut, *Settings → Webhooks → New webhook*: enter \`${subscription.callbackUrl}\` and save.`,
    'Walnut creates the webhook\'s key: copy it, then *Rotate secret* here with that key and a grace of 0.',
    '*Send a test event* in Walnut; it shows up in the events below (quarantined if its payload differs from the documented one).',
  ],
  secretSource: 'generate',
  signature: walnutSignatureScheme,
  settings: [],
  activateOnHead: false,
  dto: WalnutEventDto,
  docs: {
    title: 'Walnut',
    example: WALNUT_DOCUMENTED_SAMPLE,
    headCheck: 'Walnut makes no HEAD check; answers 200 for a known subscription.',
  },
  sample: walnutSample,
  eventType: (payload) => stringAt(payload, 'event'),
  occurredAt: (payload) => isoDateAt(payload, 'timestamp'),
};
