import { randomUUID } from 'node:crypto';
import type { SampleDelivery, SampleTarget } from '../vendor-definition';
import { visitorTrackingSignatureScheme } from './visitor-tracking.signature';

/** The platform's documented payload, verbatim: the example /docs shows. */
export const VISITOR_TRACKING_DOCUMENTED_SAMPLE = {
  id: 'unique_visit_id',
  url: 'https://example.com/entry-point',
  params: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring_sale' },
  referrer: 'https://google.com',
  date: '2024-12-22T14:30:00Z',
  ip: '192.168.1.1',
  visitor: { id: 'unique_visitor_id', firstSeen: '2023-01-01T12:00:00Z', company: { name: 'Example Corp', domain: 'example.com' } },
  location: { country: 'United States', city: 'San Francisco', state: 'California' },
  trafficSource: { channel: 'Organic Search', source: 'Google', campaign: 'Holiday Campaign' },
  device: { model: 'iPhone 14', os: 'iOS 17', gpu: 'Apple GPU', hardwareConcurrency: '6' },
  browser: { name: 'Safari', version: '17.0', vendor: 'Apple' },
  timezone: 'America/Los_Angeles',
  screen: { height: '2532', width: '1170', touch: 'true' },
};

/** The documented payload with fresh visit and visitor ids, authenticated as the subscription is set up. */
export function visitorTrackingSample(target: SampleTarget): SampleDelivery {
  const sample = structuredClone(VISITOR_TRACKING_DOCUMENTED_SAMPLE);
  sample.id = `visit-${randomUUID()}`;
  sample.date = new Date().toISOString();
  sample.visitor.id = `visitor-${randomUUID()}`;
  sample.visitor.firstSeen = sample.date;
  const body = JSON.stringify(sample);
  return { body, headers: visitorTrackingSignatureScheme.sign(body, target.secret, target) };
}
