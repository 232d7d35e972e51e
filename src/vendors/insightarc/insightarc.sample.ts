import { hmac } from '../../webhooks/signature';
import type { SampleDelivery, SampleTarget } from '../vendor-definition';

/** vendor-docs/000's signal made valid JSON (its comments dropped): the example /docs shows. */
export const INSIGHTARC_DOCUMENTED_SAMPLE = {
  drop_proba: 0.95,
  perfomance: 1.2,
  num_events: 10,
  num_loops: 2,
  num_broken_buttons: 1,
  avg_loops: 2.3,
  avg_broken_buttons: 1,
  relevant_events: [{ name: 'name of action or url of the visited page' }],
};

/** vendor-docs/000's signal (as valid JSON), signed over body + the URL as registered at InsightArc. */
export function insightArcSample(target: SampleTarget): SampleDelivery {
  const body = JSON.stringify({
    drop_proba: Math.round(Math.random() * 100) / 100,
    perfomance: 1.2,
    num_events: 10,
    num_loops: 2,
    num_broken_buttons: 1,
    avg_loops: 2.3,
    avg_broken_buttons: 1,
    relevant_events: [{ name: 'https://example.com/checkout' }],
    sampled_at: new Date().toISOString(),
  });
  return { body, headers: { 'x-insightarc-signature': hmac('sha1', target.secret, [body, target.callbackUrl], 'base64') } };
}
