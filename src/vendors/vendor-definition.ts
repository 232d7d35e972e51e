import type { Type } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import type { VendorSetting } from '../subscriptions/dto/create-subscription.dto';
import type { SignatureSettings, Subscription } from '../subscriptions/subscription.entity';
import type { SubscriptionView } from '../subscriptions/subscription.view';
import type { SignatureScheme } from '../webhooks/signature';
import type { DocumentedError } from '../common/api-error.decorator';

/** What a sample delivery needs to know of the subscription it is for. */
export interface SampleTarget {
  secret: string;
  callbackUrl: string;
  signature: SignatureSettings;
  vendorRef: string | null;
}

/** A delivery as the vendor would send it: the exact body and the headers that authenticate it. */
export interface SampleDelivery {
  body: string;
  headers: Record<string, string>;
}

/** The vendor's HEAD check of a callback URL, made as the vendor makes it (test-event and simulate). */
export interface HeadCheck {
  /** The request headers of one check (fresh values each time). */
  request(): Record<string, string>;
  /** Why a 200 to that request would not satisfy the vendor (`rawHeaders` as received, names in their casing), or null when it does. */
  judge(sent: Record<string, string>, rawHeaders: string[]): string | null;
}

/** A HEAD check that any 200 satisfies. */
export const PLAIN_HEAD_CHECK: HeadCheck = { request: () => ({}), judge: () => null };

/**
 * A vendor's own settings object in POST /api/subscriptions, under the key `name` (e.g. what the
 * vendor should watch). The shared DTO accepts the key for the vendors of the app, and /docs shows
 * `dto`; the vendor's hooks validate and use the object.
 */
export interface VendorOwnSettings {
  name: string;
  dto: Type<object>;
  description: string;
}

/** What /docs says about one vendor's webhook routes (the payload schema is the definition's `dto`). */
export interface VendorWebhookDocs {
  /** The vendor as people name it. */
  title: string;
  /** The vendor's own documented sample of the payload. */
  example: object;
  /** What the vendor's HEAD to the callback URL is for. */
  headCheck: string;
  /** A request header of the HEAD that is echoed in a response header of the same name. */
  echoedHeader?: { name: string; description: string };
  /** Tags of the vendor's own management routes, with their descriptions. */
  tags?: Array<{ name: string; description: string }>;
}

/**
 * What a vendor does that needs the app's services (its API client, its queues): a provider of the
 * vendor's module, named by the definition's `hooks` and resolved by the VendorRegistry.
 */
export interface VendorHooks {
  /** Checks the vendor's own settings of a new subscription before anything is stored; throws a 400. */
  validateSettings?(settings: Record<string, unknown> | undefined): Promise<void>;
  /**
   * Creates the subscription at the vendor once it is stored here, filling vendorRef, vendorConfig
   * and status. Throwing refuses the creation, and the stored row is removed.
   */
  register?(subscription: Subscription, settings: Record<string, unknown> | undefined): Promise<void>;
  /** Removes the subscription at the vendor; called before it is deleted here. */
  unregister?(subscription: Subscription): Promise<void>;
  /** Mirrors the vendor's view of the subscription (status, reasons) onto it; the caller saves it. */
  sync?(subscription: Subscription): Promise<void>;
}

/**
 * Everything the shared mechanics need to know about one vendor. Each vendor folder exports one
 * (`vendors/<vendor>/<vendor>.vendor.ts`), and its module carries it (VendorModule); adding a
 * vendor never touches the mechanics.
 */
export interface VendorDefinition {
  /** Route segment and `vendor` value, e.g. `acme` → /webhooks/acme/{subscriptionId}. */
  name: string;
  /**
   * `generate`: a secret is generated when none is given at creation (the operator enters it at the
   * vendor). `vendor`: only the vendor issues it; until it is given every delivery is refused.
   */
  secretSource: 'generate' | 'vendor';
  /** How deliveries are signed (`<vendor>.signature.ts`): the guard verifies with it, the sample signs with it, /docs describes it. */
  signature: SignatureScheme;
  /** Whether the vendor's HEAD check on the callback URL makes a pending subscription ACTIVE. */
  activateOnHead: boolean;
  /**
   * The vendor keeps the subscription's status itself, and the gateway mirrors it (hooks.sync):
   * deliveries and HEAD checks never activate it, and an enabled one waits for the next sync.
   */
  ownsStatus?: boolean;
  /** The documented payload; an authentic body that fails it is stored as quarantined. */
  dto: ClassConstructor<object>;
  /** /docs of the webhook routes. */
  docs: VendorWebhookDocs;
  /** Event type of a delivery; the payload may be anything, so read it defensively. */
  eventType(payload: unknown, subscription: Subscription): string | null;
  /** When the vendor says the event happened. */
  occurredAt(payload: unknown): Date | null;
  /**
   * The event's identity: the vendor's own id, or a hash of what the vendor signs where that is not
   * the raw bytes; null falls back to a hash of the raw body.
   */
  dedupeKey?(payload: unknown, subscription: Subscription): string | null;
  /**
   * Vendor rules an authentic payload must also meet for this subscription, beyond its DTO (e.g. the
   * subscription id it names); each problem returned quarantines the event.
   */
  payloadProblems?(payload: object, subscription: Subscription): string[];
  /**
   * The settings beyond those every vendor has (COMMON_SETTINGS) that this vendor's deliveries
   * depend on: shared ones by name, or the vendor's own settings object. Any other given with a
   * value, at creation or in a PATCH, is refused with a 400: it would change nothing. Absent: none.
   */
  settings?: ReadonlyArray<VendorSetting | VendorOwnSettings>;
  /** Fills vendor defaults and checks vendor rules on a subscription about to be saved; returns problems. */
  prepare?(subscription: Subscription): string[];
  /** The provider of the vendor's module that implements its VendorHooks. */
  hooks?: Type<VendorHooks>;
  /** TypeORM entities of the vendor's own tables (its module registers them with forFeature). */
  entities?: ReadonlyArray<ClassConstructor<object>>;
  /** Why PATCH cannot change the callback URL for this vendor (it calls the URL it was created with). */
  callbackUrlChangeRefusal?: string;
  /** Why rotate-secret cannot work for this vendor (it holds the secret it was created with). */
  secretRotationRefusal?: string;
  /**
   * The vendor's documented sample with fresh ids, signed as the vendor signs it: what the test-event
   * endpoint and `npm run simulate` send.
   */
  sample(target: SampleTarget): SampleDelivery;
  /** The vendor checks the callback URL with HEAD first (test-event and simulate do the same). */
  headCheck?: HeadCheck;
  /**
   * How to register the subscription's callback URL at the vendor, step by step, for the console:
   * plain text, with `code` in backticks and *what to click* between asterisks. Absent: one generic step.
   */
  setupSteps?(subscription: SubscriptionView): string[];
  /** The vendor's own error codes (its code enum), documented in /docs with the shared ErrorCode values. */
  errorCodes?: Readonly<Record<string, string>>;
  /** Errors its hooks answer on the subscription routes that call them (create, delete, sync), for /docs. */
  hookErrors?: readonly DocumentedError[];
}

/** A vendor's Nest module: its controller, guard and providers, carrying the vendor's definition. */
export interface VendorModule extends Type<unknown> {
  readonly vendor: VendorDefinition;
}

/** Injection token: the definitions of the app's vendors, in the order of its list. */
export const VENDOR_LIST = Symbol('VENDOR_LIST');

/** The definitions of a list of vendor modules, in its order. */
export function definitionsOf(vendors: readonly VendorModule[]): VendorDefinition[] {
  return vendors.map((vendor) => vendor.vendor);
}

/** The names of the settings a vendor uses beyond the common ones. */
export function settingNames(definition: VendorDefinition): string[] {
  return (definition.settings ?? []).map((setting) => (typeof setting === 'string' ? setting : setting.name));
}

/** The vendor's own settings object, if it has one. */
export function ownSettingsOf(definition: VendorDefinition): VendorOwnSettings | undefined {
  return definition.settings?.find((setting): setting is VendorOwnSettings => typeof setting !== 'string');
}
