import { randomInt } from 'node:crypto';
import type { SampleDelivery, SampleTarget } from '../vendor-definition';
import { insideviewSignatureScheme } from './insideview.signature';

/** InsideView's documented example notification, verbatim (string alertId and its odd date format): the example /docs shows. */
export const INSIDEVIEW_DOCUMENTED_SAMPLE = { alertId: '364559', subscriptionId: 'oshbv7671moesavtb0e0', date: '2020-02-26 11:52:29:00+0000', type: 'company' };

/** An alert notification like InsideView's documented example (its date format included), signed with the signing secret. */
export function insideviewSample(target: SampleTarget): SampleDelivery {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}:00+0000`;
  const body = JSON.stringify({ ...INSIDEVIEW_DOCUMENTED_SAMPLE, alertId: String(randomInt(100_000, 2 ** 47)), subscriptionId: target.vendorRef ?? 'sample-subscription', date });
  return { body, headers: insideviewSignatureScheme.sign(body, target.secret, target) };
}
