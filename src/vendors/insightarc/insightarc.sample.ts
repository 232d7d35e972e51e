import type { SampleDelivery, SampleTarget } from '../vendor-definition';
import { insightArcSignatureScheme } from './insightarc.signature';

/** InsightArc's documented signal made valid JSON (its comments dropped): the example /docs shows. */
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

/**
 * The documented signal, signed over body + the URL as registered at InsightArc. A signal has no
 * id, so a `sampled_at` field (kept like any unknown field) makes each one a new event.
 */
export function insightArcSample(target: SampleTarget): SampleDelivery {
  const body = JSON.stringify({ ...INSIGHTARC_DOCUMENTED_SAMPLE, sampled_at: new Date().toISOString() });
  return { body, headers: insightArcSignatureScheme.sign(body, target.secret, target) };
}
