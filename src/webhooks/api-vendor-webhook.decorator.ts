import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiError } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { TEST_DELIVERY_HEADER } from '../events/test-delivery';
import { WebhookReceipt } from '../events/webhook-receipt';
import type { VendorDefinition } from '../vendors/vendor-definition';

const SUBSCRIPTION_ID = ApiParam({ name: 'subscriptionId', description: 'The subscription, as in its callbackUrl', type: String, format: 'uuid' });

/**
 * /docs of a vendor's POST route: the shared answers and errors, plus the vendor's own payload,
 * sample and signature header (VendorDefinition.docs).
 */
export function ApiVendorWebhookPost(vendor: VendorDefinition): MethodDecorator {
  const { docs } = vendor;
  return applyDecorators(
    ApiTags('webhooks'),
    ApiExtraModels(vendor.dto),
    ApiOperation({
      summary: `Receive a delivery from ${docs.title}`,
      description:
        'Authenticated by its signature, not by an API token. Answered 200 only once the event is stored; ' +
        "a signed body that does not match the vendor's documented shape is stored as quarantined and still answered 200, " +
        'and a repeat is answered 200 with `duplicate: true`.',
    }),
    SUBSCRIPTION_ID,
    ApiHeader({ name: vendor.signature.header, description: vendor.signature.description, required: vendor.signature.required ?? true }),
    ApiHeader({ name: TEST_DELIVERY_HEADER, description: '`true` marks a test delivery (test-event, simulate): stored with `isTest`', required: false }),
    ApiBody({
      description: `The ${docs.title} payload. Field names and unknown fields are kept as sent`,
      schema: { $ref: getSchemaPath(vendor.dto) },
      examples: { documented: { summary: `${docs.title}'s documented sample`, value: docs.example } },
    }),
    ApiOkResponse({ description: 'Stored (or a repeat of one stored)', type: WebhookReceipt }),
    ApiError(400, 'The body is not valid JSON, or is empty', [ErrorCode.MalformedJson, ErrorCode.EmptyBody]),
    ApiError(401, 'The signature or a required header is missing or wrong, or the subscription has no secret yet', [
      ErrorCode.SignatureMissing,
      ErrorCode.SignatureInvalid,
      ErrorCode.SecretNotSet,
      ErrorCode.RequiredHeaderMissing,
      ErrorCode.RequiredHeaderMismatch,
    ]),
    ApiError(404, `No ${docs.title} subscription with this id`, [ErrorCode.SubscriptionNotFound]),
    ApiError(410, 'An operator disabled the subscription', [ErrorCode.SubscriptionDisabled]),
    ApiError(413, 'The body is larger than BODY_LIMIT', [ErrorCode.PayloadTooLarge]),
    ApiError(415, 'The body is not sent as Content-Type: application/json, or its Content-Encoding is not gzip, deflate or br, or it does not decode as its Content-Encoding says', [ErrorCode.UnsupportedMediaType]),
    ApiError(503, 'The database is unavailable; retry later', [ErrorCode.DatabaseUnavailable]),
  );
}

/** /docs of a vendor's HEAD route: what the vendor's check is for, and any header it echoes. */
export function ApiVendorWebhookHead(vendor: VendorDefinition): MethodDecorator {
  const { docs } = vendor;
  const echoed = docs.echoedHeader;
  return applyDecorators(
    ApiTags('webhooks'),
    ApiOperation({ summary: `Check the ${docs.title} callback URL`, description: docs.headCheck }),
    SUBSCRIPTION_ID,
    ...(echoed ? [ApiHeader({ name: echoed.name, description: echoed.description, required: false })] : []),
    ApiOkResponse({
      description: 'The subscription is known',
      ...(echoed && { headers: { [echoed.name]: { description: 'The request header, echoed with exactly this name', schema: { type: 'string' } } } }),
    }),
    ApiError(404, `No ${docs.title} subscription with this id`, [ErrorCode.SubscriptionNotFound], { withoutBody: true }),
    ApiError(410, 'An operator disabled the subscription', [ErrorCode.SubscriptionDisabled], { withoutBody: true }),
    ApiError(503, 'The database is unavailable; retry later', [ErrorCode.DatabaseUnavailable], { withoutBody: true }),
  );
}
