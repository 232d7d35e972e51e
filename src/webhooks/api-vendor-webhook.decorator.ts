import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiError } from '../common/api-error.decorator';
import { ErrorCode } from '../common/error-code';
import { TEST_DELIVERY_HEADER } from '../events/test-delivery';
import { WebhookReceipt } from '../events/webhook-receipt';

/** What /docs says about one vendor's webhook routes. */
export interface VendorWebhookDocs {
  /** The vendor as people name it. */
  title: string;
  /** The documented payload, and the vendor's own sample of it. */
  payload: Type<object>;
  example: object;
  /** The header that authenticates a delivery. */
  signature: { header: string; description: string; required?: boolean };
  /** What the vendor's HEAD to the callback URL is for. */
  headCheck: string;
  /** A request header of the HEAD that is echoed in a response header of the same name (InsideView). */
  echoedHeader?: { name: string; description: string };
}

const SUBSCRIPTION_ID = ApiParam({ name: 'subscriptionId', description: 'The subscription, as in its callbackUrl', type: String, format: 'uuid' });

/**
 * Documents a vendor controller's webhook routes: the shared answers and errors, plus the vendor's
 * own payload, sample and signature header. The handlers are VendorWebhookController's, and swagger
 * keeps an operation's metadata on the handler function, which every vendor shares; so a vendor
 * that inherits a handler gets its own delegate to it, carrying the route's metadata, and its
 * documentation goes on that. A handler the vendor overrides is documented as it is.
 */
export function ApiVendorWebhook(docs: VendorWebhookDocs): ClassDecorator {
  return (target) => {
    applyDecorators(ApiTags('webhooks'), ApiExtraModels(docs.payload))(target);
    const route = (name: string, ...decorators: MethodDecorator[]) =>
      Object.defineProperty(target.prototype, name, applyRouteDecorators(target.prototype, name, decorators));
    route('receive', ...deliveryDocs(docs));
    route('check', ...headCheckDocs(docs));
  };
}

function deliveryDocs(docs: VendorWebhookDocs): MethodDecorator[] {
  return [
    ApiOperation({
      summary: `Receive a delivery from ${docs.title}`,
      description:
        'Authenticated by its signature, not by an API token. Answered 200 only once the event is stored; ' +
        "a signed body that does not match the vendor's documented shape is stored as quarantined and still answered 200, " +
        'and a repeat is answered 200 with `duplicate: true`.',
    }),
    SUBSCRIPTION_ID,
    ApiHeader({ name: docs.signature.header, description: docs.signature.description, required: docs.signature.required ?? true }),
    ApiHeader({ name: TEST_DELIVERY_HEADER, description: '`true` marks a test delivery (test-event, simulate): stored with `isTest`', required: false }),
    ApiBody({
      description: `The ${docs.title} payload. Field names and unknown fields are kept as sent`,
      schema: { $ref: getSchemaPath(docs.payload) },
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
  ];
}

function headCheckDocs(docs: VendorWebhookDocs): MethodDecorator[] {
  const echoed = docs.echoedHeader;
  return [
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
  ];
}

/** The class's own descriptor of a route handler, decorated: the override, or a delegate to the inherited one. */
function applyRouteDecorators(prototype: object, name: string, decorators: MethodDecorator[]): PropertyDescriptor {
  let descriptor = Object.getOwnPropertyDescriptor(prototype, name);
  if (!descriptor) {
    const inherited = (prototype as Record<string, (...args: unknown[]) => unknown>)[name];
    // Named like the handler: Nest and swagger look its parameters up by the function's name.
    const delegate = { [name](this: unknown, ...args: unknown[]) { return inherited.apply(this, args); } }[name];
    for (const key of Reflect.getOwnMetadataKeys(inherited)) Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, inherited), delegate);
    descriptor = { value: delegate, writable: true, enumerable: false, configurable: true };
  }
  for (const decorator of decorators) decorator(prototype, name, descriptor);
  return descriptor;
}
