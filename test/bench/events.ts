/**
 * Distinct, correctly signed deliveries for each vendor, built before the clock starts, and the raw
 * HTTP requests that carry them. Bodies start from the vendors' documented samples; signatures are
 * made with each vendor's signature scheme, as its sample is.
 */
import { INSIDEVIEW_DOCUMENTED_SAMPLE } from '../../src/vendors/insideview/insideview.sample';
import { INSIGHTARC_DOCUMENTED_SAMPLE } from '../../src/vendors/insightarc/insightarc.sample';
import { VISITOR_TRACKING_DOCUMENTED_SAMPLE } from '../../src/vendors/visitor-tracking/visitor-tracking.sample';
import { WALNUT_DOCUMENTED_SAMPLE } from '../../src/vendors/walnut/walnut.sample';
import { definitionsOf } from '../../src/vendors/vendor-definition';
import { VENDORS as VENDOR_MODULES } from '../../src/vendors/vendors';

const DEFINITIONS = Object.fromEntries(definitionsOf(VENDOR_MODULES).map((definition) => [definition.name, definition]));

export const VENDORS = ['walnut', 'insightarc', 'visitor-tracking', 'insideview'] as const;
export type Vendor = (typeof VENDORS)[number];

/** What the benchmark needs of one subscription (the same rows serve the gateway and the reference). */
export interface BenchSubscription {
  id: string;
  vendor: Vendor;
  secret: string;
  callbackUrl: string;
  vendorRef: string | null;
  eventTypes: string[];
}

export interface BenchEvent {
  /** The event's identity: two requests with the same key are the same event (a vendor's retry). */
  key: string;
  request: Buffer;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The body and authenticating headers of distinct event number `n` of run `tag`: each vendor's
 * documented sample (the same the docs and `npm run simulate` use) with its identifying fields made
 * distinct, signed with its scheme.
 */
export function delivery(subscription: BenchSubscription, tag: string, n: number): { body: string; headers: Record<string, string> } {
  const body = bodyOf(subscription, tag, n);
  // No signature settings: the platforms that allow them are signed as they are by default.
  return { body, headers: DEFINITIONS[subscription.vendor].signature.sign(body, subscription.secret, { callbackUrl: subscription.callbackUrl, signature: {} }) };
}

function bodyOf(subscription: BenchSubscription, tag: string, n: number): string {
  const at = new Date(Date.UTC(2025, 0, 1) + n * 1000);
  const unique = `${tag}-${n}`;
  switch (subscription.vendor) {
    case 'walnut': {
      const sample = structuredClone(WALNUT_DOCUMENTED_SAMPLE);
      sample.data.session_id = `session-${unique}`;
      sample.data.session_started = new Date(at.getTime() - 60_000).toISOString();
      sample.timestamp = at.toISOString();
      return JSON.stringify(sample);
    }
    case 'insightarc': {
      return JSON.stringify({ ...INSIGHTARC_DOCUMENTED_SAMPLE, drop_proba: (n % 100) / 100, relevant_events: [{ name: `https://example.com/checkout/${unique}` }] });
    }
    case 'visitor-tracking': {
      const sample = structuredClone(VISITOR_TRACKING_DOCUMENTED_SAMPLE);
      sample.id = `visit-${unique}`;
      sample.date = at.toISOString();
      sample.visitor.id = `visitor-${unique}`;
      sample.visitor.firstSeen = sample.date;
      return JSON.stringify(sample);
    }
    case 'insideview': {
      const date = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}:00+0000`;
      return JSON.stringify({ ...INSIDEVIEW_DOCUMENTED_SAMPLE, alertId: alertIdOf(tag, n), subscriptionId: subscription.vendorRef, date });
    }
  }
}

/** InsideView alert ids are digits and letters; the run tag keeps them distinct across passes. */
export function alertIdOf(tag: string, n: number): string {
  return `${tag.replace(/[^A-Za-z0-9]/g, '')}x${n}`;
}

export function rawRequest(path: string, body: string, headers: Record<string, string>): Buffer {
  const bytes = Buffer.from(body);
  let head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nUser-Agent: gateway-bench\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), bytes]);
}

/**
 * `count` requests for one subscription. With `repeatShare` > 0, that share of them are resends
 * of an event sent shortly before (a vendor's retry), often while the first is still in flight, so
 * identical deliveries land in the same batch as well as in later ones.
 */
export function buildEvents(subscription: BenchSubscription, tag: string, count: number, repeatShare = 0): BenchEvent[] {
  const path = `/webhooks/${subscription.vendor}/${subscription.id}`;
  const events: BenchEvent[] = [];
  let distinct = 0;
  // A fixed-seed generator, so a run is repeatable.
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  for (let i = 0; i < count; i++) {
    if (repeatShare > 0 && events.length > 0 && random() < repeatShare) {
      const back = Math.min(events.length, 1 + Math.floor(random() * 200));
      events.push(events[events.length - back]);
      continue;
    }
    const { body, headers } = delivery(subscription, tag, distinct);
    events.push({ key: `${tag}-${distinct}`, request: rawRequest(path, body, headers) });
    distinct += 1;
  }
  return events;
}
