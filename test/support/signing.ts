import { createHmac } from 'node:crypto';

/** Signatures computed the way each vendor documents them, independently of the app's code. */
export function walnutSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
