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
