import { insightArcSignatureScheme } from '../../src/vendors/insightarc/insightarc.signature';
import { visitorTrackingSignatureScheme } from '../../src/vendors/visitor-tracking/visitor-tracking.signature';
import { walnutSignatureScheme } from '../../src/vendors/walnut/walnut.signature';

/**
 * Header values signed with each vendor's signature scheme, as its sample is. The schemes are
 * checked against the vendors' documented constructions, computed independently, in
 * test/unit/signature.test.ts.
 */
export function walnutSignature(secret: string, body: Buffer | string): string {
  return walnutSignatureScheme.sign(body, secret, { callbackUrl: '', signature: {} })[walnutSignatureScheme.header];
}

/** InsightArc: base64 HMAC-SHA1 of the body followed by the webhook URL as registered at InsightArc. */
export function insightArcSignature(secret: string, body: Buffer | string, webhookUrl: string): string {
  return insightArcSignatureScheme.sign(body, secret, { callbackUrl: webhookUrl, signature: {} })[insightArcSignatureScheme.header];
}

/** InsightArc's own sample: the signature over JSON.stringify of the parsed body, then the URL. */
export function insightArcSampleSignature(secret: string, parsedBody: unknown, webhookUrl: string): string {
  return insightArcSignature(secret, JSON.stringify(parsedBody), webhookUrl);
}

/** Visitor-tracking platform, HMAC scheme: hex HMAC-SHA256 of the raw body. */
export function visitorTrackingHmac(secret: string, body: Buffer | string): string {
  const header = visitorTrackingSignatureScheme.header;
  return visitorTrackingSignatureScheme.sign(body, secret, { callbackUrl: '', signature: { header, scheme: 'hmac-sha256' } })[header];
}
