import { isIP } from 'node:net';

/** Which hosts destinations may be on (placeholder until the full host rule lands). */
export class DestinationHostPolicy {
  constructor(private readonly allowedHosts?: string[]) {}

  assertAllowed(url: string): void {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (isIP(host) === 4 && host.startsWith('169.254.')) throw new Error(`Host ${host} is link-local`);
    if (isIP(host) === 6 && /^fe[89ab]/.test(host)) throw new Error(`Host ${host} is link-local`);
    if (this.allowedHosts && !this.allowedHosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry))) {
      throw new Error(`Host ${host} is not in DESTINATION_ALLOWED_HOSTS`);
    }
  }
}
