import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtension, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiError, ApiManagementRoutes, CALLS_VENDOR_EXTENSION } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { CreateSubscriptionDto } from './dto/create-subscription.dto';
import { DisableSubscriptionDto } from './dto/disable-subscription.dto';
import { ListSubscriptionsQuery } from './dto/list-subscriptions.query';
import { RotateSecretDto } from './dto/rotate-secret.dto';
import { SubscriptionStatsQuery } from './dto/subscription-stats.query';
import { UpdateSubscriptionDto } from './dto/update-subscription.dto';
import { RejectionList, RejectionsService } from './rejections.service';
import { SubscriptionStats, SubscriptionStatsService } from './subscription-stats.service';
import { SubscriptionPage, SubscriptionView, SubscriptionWithSecret } from './subscription.view';
import { TestEventReport, TestEventService } from './test-event.service';
import { SubscriptionsService } from './subscriptions.service';

const SUBSCRIPTION_ID = ApiParam({ name: 'id', description: 'The subscription id', format: 'uuid' });
const NOT_FOUND = ApiError(404, 'No subscription with this id', [ErrorCode.SubscriptionNotFound]);
const INVALID = ApiError(400, 'The body or query is not valid', [ErrorCode.ValidationFailed]);
/**
 * Routes that call a vendor's hooks (create, delete, sync): each vendor's own errors there
 * (VendorDefinition.hookErrors) are added to them when the docs are built (see app.factory.ts).
 */
const CALLS_VENDOR = ApiExtension(CALLS_VENDOR_EXTENSION, true);

@ApiTags('subscriptions')
@ApiManagementRoutes()
@Controller('api/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly rejections: RejectionsService,
    private readonly testEvents: TestEventService,
    private readonly stats: SubscriptionStatsService,
  ) {}

  @ApiOperation({
    summary: 'Create a subscription',
    description: 'Answers the `callbackUrl` to register at the vendor and, when the gateway generated it, the `secret`, shown this once. For a vendor whose subscriptions the gateway creates there: also created at the vendor.',
  })
  @ApiCreatedResponse({ type: SubscriptionWithSecret })
  @ApiError(400, 'The body is not valid, the vendor is unknown, its settings break its rules, or the callbackUrl is on a host not allowed', [
    ErrorCode.ValidationFailed,
    ErrorCode.UnknownVendor,
    ErrorCode.CallbackHostNotAllowed,
  ])
  @CALLS_VENDOR
  @Post()
  create(@Body() dto: CreateSubscriptionDto) {
    return this.subscriptions.create(dto);
  }

  @ApiOperation({ summary: 'List subscriptions', description: 'Oldest first. Secrets are never shown, required headers by name only.' })
  @ApiOkResponse({ type: SubscriptionPage })
  @INVALID
  @Get()
  list(@Query() query: ListSubscriptionsQuery) {
    return this.subscriptions.list(query);
  }

  // Before ':id', so `stats` is not taken for a subscription id.
  @ApiOperation({
    summary: 'Count events, quarantined events and refusals per subscription',
    description: 'Since `since` (default: the last 24 hours, at most 7 days): events stored, how many were quarantined, and refused deliveries. Subscriptions with none are left out.',
  })
  @ApiOkResponse({ type: SubscriptionStats })
  @ApiError(400, 'since is not valid, or more than 7 days ago', [ErrorCode.ValidationFailed])
  @Get('stats')
  statistics(@Query() query: SubscriptionStatsQuery) {
    return this.stats.counts(query);
  }

  @ApiOperation({ summary: 'Read a subscription' })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionView })
  @NOT_FOUND
  @Get(':id')
  get(@Param('id') id: string) {
    return this.subscriptions.get(id);
  }

  @ApiOperation({ summary: 'Change a subscription', description: 'Only the fields given change.' })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionView })
  @ApiError(400, 'The body is not valid, the callbackUrl is on a host not allowed, or the vendor does not let it change', [
    ErrorCode.ValidationFailed,
    ErrorCode.CallbackHostNotAllowed,
  ])
  @NOT_FOUND
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateSubscriptionDto) {
    return this.subscriptions.update(id, dto);
  }

  @ApiOperation({
    summary: 'Disable a subscription',
    description: 'Deliveries are answered 410 until it is enabled. Disabling one an operator already disabled changes nothing: the first reason stays (enable it first to give another).',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionView })
  @INVALID
  @NOT_FOUND
  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id') id: string, @Body() dto: DisableSubscriptionDto) {
    return this.subscriptions.disable(id, dto);
  }

  @ApiOperation({ summary: 'Enable a subscription', description: 'Back to ACTIVE if it ever was, else VERIFICATION_PENDING; for a vendor that owns the status, pending until its next status sync.' })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionView })
  @NOT_FOUND
  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') id: string) {
    return this.subscriptions.enable(id);
  }

  @ApiOperation({
    summary: "Rotate a subscription's secret",
    description:
      'The new secret is the one given, or generated and shown once; the old one keeps working for `graceSeconds`. ' +
      'One previous secret at a time: while it is still accepted, a rotation with a grace is refused with 409 (saying until when), and ' +
      '`graceSeconds: 0` accepts only the new secret from then on, the previous one included.',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionWithSecret })
  @ApiError(400, 'The body is not valid, the vendor issues the secret itself and none was given, or the vendor does not let it be rotated', [ErrorCode.ValidationFailed])
  @ApiError(409, "The last rotation's grace still runs and a grace was asked for", [ErrorCode.RotationInGrace])
  @NOT_FOUND
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string, @Body() dto: RotateSecretDto) {
    return this.subscriptions.rotateSecret(id, dto);
  }

  @ApiOperation({ summary: "Mirror the subscription's status at the vendor now (vendors that own the status)" })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: SubscriptionView })
  @ApiError(400, 'The vendor keeps no status to sync', [ErrorCode.ValidationFailed])
  @NOT_FOUND
  @CALLS_VENDOR
  @Post(':id/sync')
  @HttpCode(200)
  sync(@Param('id') id: string) {
    return this.subscriptions.sync(id);
  }

  /** Sends a signed sample to the subscription's own callback URL and reports what came back. */
  @ApiOperation({
    summary: 'Send a signed sample to the callback URL',
    description:
      "Sends the vendor's sample, signed as the vendor signs it (after its HEAD check, for vendors that make one), to the subscription's own public " +
      'callbackUrl, through the DNS, TLS and proxies in front of the gateway, and reports what came back (at most 64 KB of each answer is read). ' +
      'The event is stored with `isTest`. Only a callbackUrl on the host of PUBLIC_BASE_URL or in CALLBACK_ALLOWED_HOSTS is called.',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ description: 'Sent; `ok` says whether the answers were what the vendor needs', type: TestEventReport })
  @NOT_FOUND
  @ApiError(400, 'The callbackUrl is on a host the gateway may not call (neither PUBLIC_BASE_URL\'s nor in CALLBACK_ALLOWED_HOSTS): nothing was sent', [
    ErrorCode.CallbackHostNotAllowed,
  ])
  @ApiError(409, 'The subscription has no secret yet, so nothing could be signed', [ErrorCode.SecretNotSet])
  @Post(':id/test-event')
  @HttpCode(200)
  testEvent(@Param('id') id: string) {
    return this.testEvents.send(id);
  }

  /** The last refused deliveries, newest first: time, status, code and which check failed. */
  @ApiOperation({ summary: 'The last refused deliveries', description: 'Newest first: when, the status and code answered, and which check failed.' })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: RejectionList })
  @NOT_FOUND
  @Get(':id/rejections')
  async listRejections(@Param('id') id: string): Promise<RejectionList> {
    const subscription = await this.subscriptions.get(id);
    return { data: await this.rejections.list(subscription.id) };
  }

  @ApiOperation({
    summary: 'Delete a subscription',
    description:
      'From then on it answers 404 on every route, webhooks included, and leaves every list. Its events are kept with its id (`GET /api/events?subscriptionId=` still finds them). For a vendor whose subscriptions the gateway creates there: also deleted at the vendor.',
  })
  @SUBSCRIPTION_ID
  @ApiNoContentResponse({ description: 'Deleted' })
  @NOT_FOUND
  @CALLS_VENDOR
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(id);
  }
}
