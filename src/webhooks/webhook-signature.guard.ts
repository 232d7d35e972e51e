import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { constantTimeEqual } from '../common/constant-time';
import { ErrorCode } from '../common/error-code';
import { JSON_CONTENT_TYPE } from '../common/json-body.guard';
import { validSecrets } from '../subscriptions/secret-grace';
import type { Subscription } from '../subscriptions/subscription.entity';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { VendorDefinition } from '../vendors/vendor-definition';
import { singleHeader } from './signature';
import type { WebhookRequest } from './webhook-request';

/**
 * The authentication of every webhook route. Finds the subscription (404 unknown, 410 disabled),
 * then for deliveries: 415 unless JSON, 400 on an empty body, 401 unless the required headers and
 * the vendor's signature scheme verifies. Only then does a handler run. A vendor's guard names the
 * vendor; its scheme is the definition's.
 */
@Injectable()
export abstract class WebhookSignatureGuard implements CanActivate {
  protected abstract readonly vendor: VendorDefinition;

  constructor(protected readonly subscriptions: SubscriptionsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    const subscription = await this.subscriptions.findForWebhook(this.vendor.name, String(request.params.subscriptionId));
    request.subscription = subscription;
    if (request.method === 'HEAD') return true;

    if (!JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new AppException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UnsupportedMediaType, 'Send the body as Content-Type: application/json');
    }
    if (!hasRawBody(request)) {
      throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.EmptyBody, 'The body is empty');
    }
    this.checkRequiredHeaders(request, subscription);
    const secrets = validSecrets(subscription);
    if (secrets.length === 0) {
      throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.SecretNotSet, 'This subscription has no secret yet; set it through the API');
    }
    const check = this.vendor.signature.verify(request, secrets, subscription);
    if (check === 'missing') {
      throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.SignatureMissing, 'The signature header is missing');
    }
    if (check !== 'valid') {
      throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.SignatureInvalid, 'The signature does not match');
    }
    return true;
  }

  private checkRequiredHeaders(request: WebhookRequest, subscription: Subscription): void {
    for (const [name, expected] of Object.entries(subscription.requiredHeaders)) {
      const received = singleHeader(request.headers[name.toLowerCase()]);
      if (received === undefined) {
        throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.RequiredHeaderMissing, `The required header ${name} is missing`);
      }
      if (!constantTimeEqual(received, expected)) {
        throw new AppException(HttpStatus.UNAUTHORIZED, ErrorCode.RequiredHeaderMismatch, `The required header ${name} has the wrong value`);
      }
    }
  }
}

/** The parser kept the raw bytes, and there are some. */
function hasRawBody(request: WebhookRequest): request is WebhookRequest & { rawBody: Buffer } {
  return request.rawBody !== undefined && request.rawBody.length > 0;
}
