import { isoDateAt, stringAt } from '../../events/payload-fields';
import type { VendorDefinition } from '../vendor-definition';
import { walnutSample } from './walnut.sample';
import { walnutSignatureScheme } from './walnut.signature';
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
  sample: walnutSample,
  eventType: (payload) => stringAt(payload, 'event'),
  occurredAt: (payload) => isoDateAt(payload, 'timestamp'),
};
