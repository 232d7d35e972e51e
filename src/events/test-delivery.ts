import type { IncomingHttpHeaders } from 'node:http';

/**
 * Sent by the gateway's test-event and by `npm run simulate`. Only an authentic delivery carries
 * it into the store (the signature is checked first), where the event is marked `isTest` so
 * consumers can skip it.
 */
export const TEST_DELIVERY_HEADER = 'X-Gateway-Test-Event';

const HEADER_KEY = TEST_DELIVERY_HEADER.toLowerCase();

export function isTestDelivery(headers: IncomingHttpHeaders): boolean {
  return headers[HEADER_KEY] === 'true';
}
