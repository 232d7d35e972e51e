import type { ClassConstructor } from 'class-transformer';
import type { VendorSetting } from '../subscriptions/dto/create-subscription.dto';
import type { SignatureSettings, Subscription } from '../subscriptions/subscription.entity';
import type { SignatureScheme } from '../webhooks/signature';

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

/**
 * Everything the shared mechanics need to know about one vendor. Each vendor module exports one
 * (`vendors/<vendor>/<vendor>.vendor.ts`); adding a vendor never touches the mechanics.
 */
export interface VendorDefinition {
  /** Route segment and `vendor` value, e.g. `walnut` → /webhooks/walnut/{subscriptionId}. */
  name: string;
  /**
   * `generate`: a secret is generated when none is given at creation (the operator enters it at the
   * vendor). `vendor`: only the vendor issues it; until it is given every delivery is refused.
   */
  secretSource: 'generate' | 'vendor';
  /** How deliveries are signed (`<vendor>.signature.ts`): the guard verifies with it, the sample signs with it. */
  signature: SignatureScheme;
  /** Whether the vendor's HEAD check on the callback URL makes a pending subscription ACTIVE. */
  activateOnHead: boolean;
  /**
   * The vendor owns the subscription's status: it is mirrored from the vendor (`sync`), and neither
   * a delivery nor a HEAD check activates it (see subscriptions/subscription-lifecycle.ts).
   */
  ownsStatus?: boolean;
  /** The documented payload; an authentic body that fails it is stored as quarantined. */
  dto: ClassConstructor<object>;
  /** Event type of a delivery; the payload may be anything, so read it defensively. */
  eventType(payload: unknown, subscription: Subscription): string | null;
  /** When the vendor says the event happened. */
  occurredAt(payload: unknown): Date | null;
  /**
   * The event's identity: the vendor's own id, or a hash of what the vendor signs where that is not
   * the raw bytes (InsightArc); null falls back to a hash of the raw body.
   */
  dedupeKey?(payload: unknown, subscription: Subscription): string | null;
  /**
   * Vendor rules an authentic payload must also meet for this subscription, beyond its DTO (InsideView:
   * the subscription id it names); each problem returned quarantines the event.
   */
  payloadProblems?(payload: object, subscription: Subscription): string[];
  /**
   * The settings beyond those every vendor has (COMMON_SETTINGS) that this vendor's deliveries
   * depend on. Any other given with a value, at creation or in a PATCH, is refused with a 400: it
   * would change nothing. Absent: none.
   */
  settings?: readonly VendorSetting[];
  /** Fills vendor defaults and checks vendor rules on a subscription about to be saved; returns problems. */
  prepare?(subscription: Subscription): string[];
  /** Checks the vendor-specific settings of a new subscription before anything is stored; throws a 400. */
  validateSettings?(settings: Record<string, unknown> | undefined): Promise<void>;
  /**
   * Creates the subscription at the vendor (InsideView) once it is stored here, filling vendorRef,
   * vendorConfig and status. Throwing refuses the creation, and the stored row is removed.
   */
  register?(subscription: Subscription, settings: Record<string, unknown> | undefined): Promise<void>;
  /** Removes the subscription at the vendor; called before it is deleted here. */
  unregister?(subscription: Subscription): Promise<void>;
  /** Mirrors the vendor's view of the subscription (status, reasons) onto it; the caller saves it. */
  sync?(subscription: Subscription): Promise<void>;
  /** Why PATCH cannot change the callback URL for this vendor (InsideView calls the URL it was created with). */
  callbackUrlChangeRefusal?: string;
  /** Why rotate-secret cannot work for this vendor (InsideView holds the signing secret it was created with). */
  secretRotationRefusal?: string;
  /**
   * The vendor's documented sample with fresh ids, signed as the vendor signs it: what the test-event
   * endpoint and `npm run simulate` send.
   */
  sample(target: SampleTarget): SampleDelivery;
  /** Whether the vendor checks the callback URL with HEAD first (simulate does the same). */
  headCheck?: 'plain' | 'insideview-echo';
  /** The vendor's own error codes (its code enum), documented in /docs with the shared ErrorCode values. */
  errorCodes?: Readonly<Record<string, string>>;
}
