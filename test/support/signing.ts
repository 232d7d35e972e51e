import { createHmac } from 'node:crypto';

/** Signatures computed the way each vendor documents them, independently of the app's code. */
export function walnutSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** InsightArc: base64 HMAC-SHA1 of the body followed by the webhook URL as registered at InsightArc. */
export function insightArcSignature(secret: string, body: Buffer | string, webhookUrl: string): string {
  return createHmac('sha1', secret).update(Buffer.concat([Buffer.from(body), Buffer.from(webhookUrl)])).digest('base64');
}

/** InsightArc's own sample: the signature over JSON.stringify of the parsed body, then the URL. */
export function insightArcSampleSignature(secret: string, parsedBody: unknown, webhookUrl: string): string {
  return createHmac('sha1', secret).update(JSON.stringify(parsedBody) + webhookUrl).digest('base64');
}

/** Visitor-tracking platform, HMAC scheme: hex HMAC-SHA256 of the raw body. */
export function visitorTrackingHmac(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
