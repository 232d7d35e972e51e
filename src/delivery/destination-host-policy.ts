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
 * Never a destination: link-local addresses (where AWS, GCP, Azure and OpenStack serve metadata on
 * 169.254.169.254, ECS its credentials on 169.254.170.2 and EKS Pod Identity on 169.254.170.23) and
 * the cloud-internal service addresses outside it. The one list of them: add a provider here.
 */
const REFUSED_ADDRESSES = (() => {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  list.addAddress('fd00:ec2::254', 'ipv6'); // AWS EC2 instance metadata (IMDS) over IPv6
  list.addAddress('fd00:ec2::23', 'ipv6'); // AWS EKS Pod Identity Agent (credentials) over IPv6
  list.addAddress('fd20:ce::254', 'ipv6'); // Google Cloud metadata server over IPv6
  list.addAddress('fd00:42::42', 'ipv6'); // Scaleway instance metadata over IPv6
  list.addAddress('168.63.129.16', 'ipv4'); // Azure WireServer (platform agent channel, not link-local)
  list.addAddress('192.0.0.192', 'ipv4'); // Oracle Cloud Classic metadata
  list.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
  return list;
})();

/**
 * Where IPv6 carries an IPv4 address a gateway or tunnel may route to: [first bytes of the address
 * that must match, byte offsets of the IPv4 address]. The local-use NAT64 prefix 64:ff9b:1::/48
 * (RFC 8215) may hold a NAT64 prefix of any length from /48, so each RFC 6052 layout is read (byte 8,
 * the "u" octet, is skipped); 6to4 (RFC 3056) carries it in bytes 2-5.
 */
const EMBEDDINGS: Array<[prefix: number[], offsets: number[]]> = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], [12, 13, 14, 15]], // IPv4-mapped ::ffff:a.b.c.d
  [[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], [12, 13, 14, 15]], // IPv4-translated ::ffff:0:a.b.c.d
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [12, 13, 14, 15]], // IPv4-compatible ::a.b.c.d
  [[0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], [12, 13, 14, 15]], // NAT64 well-known 64:ff9b::/96
  [[0, 0x64, 0xff, 0x9b, 0, 1], [6, 7, 9, 10]], // local-use NAT64 64:ff9b:1::/48, a /48 inside
  [[0, 0x64, 0xff, 0x9b, 0, 1], [7, 9, 10, 11]], // … a /56
  [[0, 0x64, 0xff, 0x9b, 0, 1], [9, 10, 11, 12]], // … a /64
  [[0, 0x64, 0xff, 0x9b, 0, 1], [12, 13, 14, 15]], // … a /96: the last 32 bits
  [[0x20, 0x02], [2, 3, 4, 5]], // 6to4 2002::/16
];

/** The IPv4 addresses an IPv6 one carries and may be routed to (see EMBEDDINGS); empty when none. */
function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (!bytes) return [];
  return EMBEDDINGS.filter(([prefix]) => prefix.every((byte, index) => bytes[index] === byte)).map(([, offsets]) =>
    offsets.map((offset) => bytes[offset]).join('.'),
  );
}

/** The 16 bytes of an IPv6 address in any spelling (compressed, dotted tail, zone-less), or null. */
function ipv6Bytes(address: string): number[] | null {
  let canonical: string;
  try {
    // The URL parser writes every IPv6 spelling one way: compressed, lowercase, hex groups only.
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, undefined];
  const groupsOf = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = groupsOf(head);
  const back = groupsOf(tail);
  const groups = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  if (groups.length !== 8) return null;
  return groups.flatMap((group) => [group >> 8, group & 255]);
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

  /** Why an IP address may not be connected to (link-local, cloud-internal, or one of those inside IPv6), or null. */
  addressProblem(address: string): string | null {
    const family = isIP(address);
    const refused =
      family === 4
        ? REFUSED_ADDRESSES.check(address, 'ipv4')
        : family === 6 && (REFUSED_ADDRESSES.check(address, 'ipv6') || embeddedIpv4(address).some((v4) => REFUSED_ADDRESSES.check(v4, 'ipv4')));
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
