import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SignatureSettingsDto } from './dto/signature-settings.dto';
import { previousSecretGraceEnds } from './secret-grace';
import { SubscriptionStatus } from './subscription-status';
import type { Subscription } from './subscription.entity';
import type { VendorDefinition } from '../vendors/vendor-definition';

/** A subscription as the API shows it: never a secret, and only the names of required headers. */
export class SubscriptionView {
  @ApiProperty({ format: 'uuid', example: '3f0c6f5e-8f7a-4a5e-9a57-2b1c3d4e5f60' })
  id: string;

  @ApiProperty({ example: 'acme' })
  vendor: string;

  @ApiProperty({ example: 'Demo sessions' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  description: string | null;

  @ApiProperty({
    description: "`VERIFICATION_PENDING` until the first authentic delivery (or the vendor's HEAD check); for a vendor that owns the status, mirrored from the vendor",
    enum: SubscriptionStatus,
    enumName: 'SubscriptionStatus',
    example: SubscriptionStatus.Active,
  })
  status: string;

  @ApiProperty({ description: "Why it is disabled: `OPERATOR_DISABLED`, the code given, or the vendor's own (for a vendor that owns the status)", type: String, nullable: true, example: null })
  disableReasonErrorCode: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  disableReasonMessage: string | null;

  @ApiProperty({ description: 'The URL to register at the vendor, exactly as it is registered there', example: 'https://gateway.example.com/webhooks/acme/3f0c6f5e-8f7a-4a5e-9a57-2b1c3d4e5f60' })
  callbackUrl: string;

  @ApiProperty({ description: 'False until a secret is set: deliveries are then refused with 401 SECRET_NOT_SET' })
  hasSecret: boolean;

  @ApiProperty({ description: 'Until when the previous secret is still accepted, after a rotation with a grace period', type: String, format: 'date-time', nullable: true, example: null })
  previousSecretExpiresAt: string | null;

  @ApiProperty({ description: 'How deliveries are signed, where the vendor lets the customer choose', type: () => SignatureSettingsDto })
  signature: Subscription['signature'];

  @ApiProperty({ description: 'Names of the headers every delivery must carry (their values are never shown)', type: [String], example: [] })
  requiredHeaders: string[];

  @ApiProperty({ type: [String], example: [] })
  eventTypes: string[];

  @ApiProperty({ description: "The vendor's own id of the subscription, where the gateway created it at the vendor", type: String, nullable: true, example: null })
  vendorRef: string | null;

  @ApiProperty({ description: "The vendor's own settings the subscription was created with (what the vendor was asked to watch)", type: 'object', additionalProperties: true, example: {} })
  vendorConfig: Record<string, unknown>;

  @ApiProperty({ description: 'First authentic delivery or HEAD check', type: String, format: 'date-time', nullable: true })
  verifiedAt: string | null;

  @ApiProperty({ description: 'Last stored delivery (refreshed at most once a minute)', type: String, format: 'date-time', nullable: true })
  lastEventAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  @ApiProperty({
    description: 'How to register the callback URL at the vendor, step by step: plain text, `code` in backticks, *what to click* between asterisks',
    type: [String],
    example: ['In Acme, *Settings → Webhooks*: enter `https://gateway.example.com/webhooks/acme/…` and save.'],
  })
  setupSteps: string[];

  @ApiProperty({ description: 'The vendor keeps the status and the gateway mirrors it: `POST /api/subscriptions/{id}/sync` reads it now' })
  syncable: boolean;
}

/** An answer that reveals a secret exactly once: at creation or rotation. */
export class SubscriptionWithSecret extends SubscriptionView {
  @ApiPropertyOptional({
    description: 'The secret the gateway generated, **shown this once**: enter it at the vendor. Absent when you gave the secret',
    example: '5d41402abc4b2a76b9719d911017c592e4da8f0c9b1b1a4b7f8f3c6b3e2a1d0c',
  })
  secret?: string;
}

export class SubscriptionPage {
  @ApiProperty({ type: [SubscriptionView] })
  data: SubscriptionView[];

  @ApiProperty({ description: 'How many match the filters, across all pages', type: 'integer', example: 1 })
  total: number;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The subscription as the API shows it; `definition` is its vendor's (absent for a vendor this instance does not serve). */
export function toSubscriptionView(subscription: Subscription, definition: VendorDefinition | undefined, now = new Date()): SubscriptionView {
  const view: SubscriptionView = {
    id: subscription.id,
    vendor: subscription.vendor,
    name: subscription.name,
    description: subscription.description,
    status: subscription.status,
    disableReasonErrorCode: subscription.disableReasonErrorCode,
    disableReasonMessage: subscription.disableReasonMessage,
    callbackUrl: subscription.callbackUrl,
    hasSecret: subscription.secret !== null,
    previousSecretExpiresAt: iso(previousSecretGraceEnds(subscription, now)),
    signature: subscription.signature,
    requiredHeaders: Object.keys(subscription.requiredHeaders),
    eventTypes: subscription.eventTypes,
    vendorRef: subscription.vendorRef,
    vendorConfig: subscription.vendorConfig,
    verifiedAt: iso(subscription.verifiedAt),
    lastEventAt: iso(subscription.lastEventAt),
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
    setupSteps: [],
    syncable: definition?.ownsStatus === true,
  };
  view.setupSteps = definition?.setupSteps?.(view) ?? [`Register \`${view.callbackUrl}\` at ${view.vendor} as its webhook URL.`];
  return view;
}
