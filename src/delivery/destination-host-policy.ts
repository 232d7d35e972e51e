import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';
import { DELIVERY_CONFIG, type DeliveryConfig } from './delivery.config';

/** Names cloud providers serve instance metadata (and credentials) on. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);

/**
 * Link-local addresses (where AWS, GCP, Azure and OpenStack serve metadata, 169.254.169.254, and
 * ECS its credentials) and the other cloud-metadata addresses: never a destination.
 */
const REFUSED_ADDRESSES = (() => {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  list.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6
  list.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
  return list;
})();

/**
 * The IPv4 address an IPv6 one carries and may be routed to: IPv4-mapped (`::ffff:a9fe:a9fe`,
 * `::ffff:169.254.169.254`), IPv4-translated (`::ffff:0:…`), IPv4-compatible (`::169.254.169.254`)
 * and NAT64 (`64:ff9b::…`, where a NAT64 gateway reaches that IPv4 address); else null.
 */
function embeddedIpv4(address: string): string | null {
  let canonical: string;
  try {
    // The URL parser writes every IPv6 spelling one way: compressed, lowercase, hex groups.
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const hex = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!hex) return null;
  const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Thrown by the connect-time lookup; DeliveryHttp reports it as the attempt's error. */
export class DestinationHostRefused extends Error {
  readonly code = 'DESTINATION_HOST_NOT_ALLOWED';
}

/**
 * Where destinations may point. Destinations are internal services, so by default any host is
 * allowed except link-local and cloud-metadata ones; with DESTINATION_ALLOWED_HOSTS (exact names or
 * `*.suffix`), only those. Checked when a URL is stored, before each request (the rule may have
 * changed since), and at connect time on every address DNS gives (`lookup`), so a name that
 * resolves to a metadata address is refused too.
 */
@Injectable()
export class DestinationHostPolicy {
  private readonly allowed?: string[];
  /** DNS resolution (a seam for tests: a name that resolves to a refused address). */
  protected resolve: typeof dnsLookup = dnsLookup;

  constructor(@Inject(DELIVERY_CONFIG) config: DeliveryConfig) {
    this.allowed = config.allowedHosts;
  }

  /** Why a URL's host (URL.hostname, brackets and all) may not be called, or null. */
  hostProblem(hostname: string): string | null {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (isIP(host)) {
      const problem = this.addressProblem(host);
      if (problem) return problem;
    } else if (METADATA_HOSTS.has(host)) {
      return `${host} is a cloud-metadata host`;
    }
    if (this.allowed && !this.allowed.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry))) {
      return `${host} is not in DESTINATION_ALLOWED_HOSTS`;
    }
    return null;
  }

  /** Why an IP address may not be connected to (link-local, cloud metadata), or null. */
  addressProblem(address: string): string | null {
    const v4 = isIP(address) === 4 ? address : isIP(address) === 6 ? embeddedIpv4(address) : null;
    const refused = v4 ? REFUSED_ADDRESSES.check(v4, 'ipv4') : isIP(address) === 6 && REFUSED_ADDRESSES.check(address, 'ipv6');
    return refused ? `${address} is a link-local or cloud-metadata address` : null;
  }

  /** Throws 400 DESTINATION_HOST_NOT_ALLOWED, naming the field, when the URL's host may not be called. */
  assertAllowed(url: string, field = 'url'): void {
    const problem = this.hostProblem(new URL(url).hostname);
    if (problem) throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.DestinationHostNotAllowed, `${field}: ${problem}, so it may not be a destination`);
  }

  /** A `lookup` for sockets: resolves as usual, then refuses the host if any address it gave may not be called. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const hostProblem = this.hostProblem(hostname);
    if (hostProblem) {
      callback(new DestinationHostRefused(hostProblem), '', 0);
      return;
    }
    this.resolve(hostname, options as LookupOptions, (error, address: string | LookupAddress[], family?: number) => {
      if (error) return callback(error, '', 0);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      const problem = addresses.map((entry) => this.addressProblem(entry)).find((found) => found !== null);
      if (problem) return callback(new DestinationHostRefused(`${hostname} resolves to ${problem.replace(/ is /, ', ')}`), '', 0);
      (callback as (error: null, address: string | LookupAddress[], family?: number) => void)(null, address, family);
    });
  };
}
