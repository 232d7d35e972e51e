/**
 * WEBHOOK_SECRET=<secret> npm run simulate -- <vendor> --url <callback URL> [options]
 *
 * Sends a correctly signed sample event (and, where the vendor does one, its HEAD check) to any
 * running gateway, as the vendor would, and prints what came back. Exit code 0 when every answer
 * is what the vendor needs, 1 when not, 2 on a usage error.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { sendHeadCheck, sendSampleDelivery, type DeliveryReport } from '../webhooks/sample-sender';
import type { SubscriptionView } from '../subscriptions/subscription.view';
import { definitionsOf, settingNames } from '../vendors/vendor-definition';
import { VENDORS } from '../vendors/vendors';
import { sendRequest } from '../webhooks/sample-sender';
import { findApiToken } from './gateway-files';

const DEFINITIONS = definitionsOf(VENDORS);
const VENDOR_NAMES = DEFINITIONS.map((vendor) => vendor.name);
/** The vendors whose definitions have a property, for the options that concern only them. */
const having = (has: (vendor: (typeof DEFINITIONS)[number]) => boolean) => DEFINITIONS.filter(has).map((vendor) => vendor.name).join(', ') || 'none';
const NAMED_SIGNATURE = having((vendor) => settingNames(vendor).includes('signature'));

const USAGE = `Usage: WEBHOOK_SECRET=<secret> npm run simulate -- <vendor> --url <callback URL> [options]

  <vendor>               ${VENDOR_NAMES.join(' | ')}
  --url URL              the subscription's callbackUrl, exactly as registered at the vendor
  The subscription's secret (the signing secret the vendor was given or gave), one of:
  WEBHOOK_SECRET         in the environment
  --secret-stdin         read from standard input (its first line)
  --secret SECRET        on the command line: seen by ps and kept in shell history (a flag wins over WEBHOOK_SECRET)
  --header "Name: value" a required custom header (repeatable)
  --signature-header H   the header carrying the signature, where the subscription names it (${NAMED_SIGNATURE})
  --scheme S             token (default) or hmac-sha256, where the subscription chooses (${NAMED_SIGNATURE})
  --vendor-ref ID        the subscription's vendorRef (the vendor's own id of it, not the gateway's), put in the sample
  --no-head              skip the HEAD check (${having((vendor) => vendor.headCheck !== undefined)})
  --timeout MS           per request (default 10000)
  --gateway URL          where the gateway's API is, to read the subscription's signature settings when
                         the signature is refused (default: the origin of --url; token from API_TOKEN,
                         else DATA_DIR/api-token)

Its events are test events: stored with isTest true, and pushed only to destinations whose filter has
includeTest: true.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function print(report: DeliveryReport): void {
  const outcome = report.ok ? 'OK  ' : 'FAIL';
  const status = report.status === null ? 'no answer' : `HTTP ${report.status}`;
  console.log(`${outcome} ${report.method} ${report.url} → ${status} in ${report.durationMs} ms`);
  if (report.error) console.log(`     ${report.error}`);
  if (report.response !== undefined) console.log(`     ${JSON.stringify(report.response)}`);
  // Destinations skip test events unless they opt in: say so where the event is seen to arrive.
  if (report.ok && report.method === 'POST') console.log('     test event: destinations with includeTest only');
}

const SIGNATURE_REFUSED = new Set(['SIGNATURE_INVALID', 'SIGNATURE_MISSING']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why the gateway refused the signature, as far as can be told: for a vendor whose subscriptions
 * choose their scheme and header, those of the subscription (read through the API when a token is at
 * hand) against those this was signed with; else what to check.
 */
async function explainSignatureRefusal(
  vendor: (typeof DEFINITIONS)[number],
  used: { header: string; scheme: string },
  options: { url: string; gateway?: string; timeoutMs: number },
): Promise<string> {
  if (!settingNames(vendor).includes('signature')) {
    return 'HINT The gateway refused the signature: the secret must be the subscription\'s current one (rotated? another subscription\'s?).';
  }
  const signed = `scheme ${used.scheme} in header ${used.header}`;
  const subscription = await readSubscription(options);
  if (subscription?.signature) {
    const theirs = { header: subscription.signature.header ?? vendor.signature.header, scheme: subscription.signature.scheme ?? 'token' };
    const sameHeader = theirs.header.toLowerCase() === used.header.toLowerCase();
    if (theirs.scheme !== used.scheme || !sameHeader) {
      const flags = [theirs.scheme !== used.scheme ? `--scheme ${theirs.scheme}` : '', sameHeader ? '' : `--signature-header ${theirs.header}`].filter(Boolean).join(' ');
      return `HINT The subscription expects scheme ${theirs.scheme} in header ${theirs.header}; this was signed with ${signed}. Run again with ${flags}.`;
    }
    return `HINT The scheme and header are the subscription's (${signed}), so the secret is not: give the subscription's current secret.`;
  }
  return (
    `HINT The gateway refused the signature. This was signed with ${signed}: the scheme, the header and the secret must all be the subscription's. ` +
    `Its scheme and header are "signature" in GET /api/subscriptions/{id} (default scheme token in header ${vendor.signature.header}); ` +
    'give them with --scheme and --signature-header.'
  );
}

/** The subscription the callback URL names, read through the API; undefined when that cannot be done (no token, another id shape, no answer). */
async function readSubscription(options: { url: string; gateway?: string; timeoutMs: number }): Promise<SubscriptionView | undefined> {
  const url = new URL(options.url);
  const id = url.pathname.split('/').filter(Boolean).at(-1) ?? '';
  const found = findApiToken();
  if (!UUID.test(id) || 'problem' in found) return undefined;
  const gateway = (options.gateway ?? url.origin).replace(/\/+$/, '');
  try {
    const answer = await sendRequest('GET', `${gateway}/api/subscriptions/${id}`, { Authorization: `Bearer ${found.token}`, Accept: 'application/json' }, undefined, options.timeoutMs);
    return answer.status === 200 ? (JSON.parse(answer.body) as SubscriptionView) : undefined;
  } catch {
    return undefined;
  }
}

/** The secret from standard input, WEBHOOK_SECRET or --secret: never needs to be on a command line. */
async function readSecret(fromStdin: boolean, fromFlag: string | undefined): Promise<string | undefined> {
  if (fromStdin && fromFlag !== undefined) fail('Give --secret-stdin or --secret, not both');
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] || undefined;
  }
  return fromFlag ?? process.env.WEBHOOK_SECRET;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        'secret-stdin': { type: 'boolean' },
        header: { type: 'string', multiple: true },
        'signature-header': { type: 'string' },
        scheme: { type: 'string' },
        'vendor-ref': { type: 'string' },
        'no-head': { type: 'boolean' },
        timeout: { type: 'string' },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const vendor = DEFINITIONS.find((definition) => definition.name === positionals[0]);
  if (!vendor) fail(positionals[0] ? `Unknown vendor "${positionals[0]}"` : 'Name the vendor');
  if (!values.url || !/^https?:\/\/[^\s]+$/.test(values.url)) fail('--url must be the http(s) callback URL');
  const secret = await readSecret(values['secret-stdin'] === true, values.secret);
  if (!secret) fail('Give the secret: WEBHOOK_SECRET, --secret-stdin or --secret');
  if (values.scheme && values.scheme !== 'token' && values.scheme !== 'hmac-sha256') fail('--scheme must be token or hmac-sha256');
  const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) fail('--timeout must be a whole number of milliseconds');
  if (values.gateway !== undefined && !/^https?:\/\/[^\s]+$/.test(values.gateway)) fail('--gateway must be the http(s) URL of the gateway');
  const extraHeaders: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.+)$/.exec(header);
    if (!match) fail(`--header must look like "Name: value", got "${header}"`);
    extraHeaders[match[1]] = match[2];
  }

  const target = {
    secret,
    callbackUrl: values.url,
    signature: { header: values['signature-header'], scheme: values.scheme as 'token' | 'hmac-sha256' | undefined },
    vendorRef: values['vendor-ref'] ?? null,
  };
  const reports: DeliveryReport[] = [];
  if (vendor.headCheck && !values['no-head']) reports.push(await sendHeadCheck(vendor.headCheck, values.url, timeoutMs));
  reports.push(await sendSampleDelivery(vendor, target, { extraHeaders, timeoutMs }));
  reports.forEach(print);
  const delivery = reports.at(-1)!;
  const code = (delivery.response as { code?: unknown } | undefined)?.code;
  if (delivery.status === 401 && typeof code === 'string' && SIGNATURE_REFUSED.has(code)) {
    const used = { header: values['signature-header'] ?? vendor.signature.header, scheme: values.scheme ?? 'token' };
    console.log(await explainSignatureRefusal(vendor, used, { url: values.url, gateway: values.gateway, timeoutMs }));
  }
  process.exitCode = reports.every((report) => report.ok) ? 0 : 1;
}

void main();
