import type { Subscription } from './subscription.entity';

/** A subscription as the API shows it: never a secret, and only the names of required headers. */
export interface SubscriptionView {
  id: string;
  vendor: string;
  name: string;
  description: string | null;
  status: string;
  disableReasonErrorCode: string | null;
  disableReasonMessage: string | null;
  callbackUrl: string;
  hasSecret: boolean;
  previousSecretExpiresAt: string | null;
  signature: Subscription['signature'];
  requiredHeaders: string[];
  eventTypes: string[];
  vendorRef: string | null;
  vendorConfig: Record<string, unknown>;
  verifiedAt: string | null;
  lastEventAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toSubscriptionView(subscription: Subscription, now = new Date()): SubscriptionView {
  const graceActive =
    subscription.previousSecret !== null &&
    subscription.previousSecretExpiresAt !== null &&
    subscription.previousSecretExpiresAt > now;
  return {
    id: subscription.id,
    vendor: subscription.vendor,
    name: subscription.name,
    description: subscription.description,
    status: subscription.status,
    disableReasonErrorCode: subscription.disableReasonErrorCode,
    disableReasonMessage: subscription.disableReasonMessage,
    callbackUrl: subscription.callbackUrl,
    hasSecret: subscription.secret !== null,
    previousSecretExpiresAt: graceActive ? iso(subscription.previousSecretExpiresAt) : null,
    signature: subscription.signature,
    requiredHeaders: Object.keys(subscription.requiredHeaders),
    eventTypes: subscription.eventTypes,
    vendorRef: subscription.vendorRef,
    vendorConfig: subscription.vendorConfig,
    verifiedAt: iso(subscription.verifiedAt),
    lastEventAt: iso(subscription.lastEventAt),
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}
