import { Injectable, type NestMiddleware } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../common/error-code';
import { IngestLoad } from '../events/ingest-load';
import { MetricsService } from '../observability/metrics.service';
import { RejectionsService } from '../subscriptions/rejections.service';
import { VendorRegistry } from '../subscriptions/vendor-registry';
import { classifyOutcome } from './webhook-outcome';
import type { WebhookLocals, WebhookRequest } from './webhook-request';

/** `/webhooks/{vendor}/{subscriptionId}`, and after it anything else the path has. */
const WEBHOOK_PATH = /^\/webhooks\/([^/?]+)\/([^/?]+)([^?]*)/;

/**
 * Mounted before the body parser, so it sees every answer to a webhook delivery, even a 413 or a
 * malformed body. It has each delivery counted while this instance works on it (IngestLoad). Once the answer is sent it settles the delivery's outcome, notes it for the
 * request log, hands it to the metrics to count and time, and records a refused delivery of a known
 * subscription for the rejections API: the one its path names, whether the refusal came before the
 * subscription was looked up (413, malformed JSON, an encoding) or after (410, 415, 401).
 */
@Injectable()
export class WebhookOutcomeMiddleware implements NestMiddleware {
  constructor(
    private readonly metrics: MetricsService,
    private readonly rejections: RejectionsService,
    private readonly vendors: VendorRegistry,
    private readonly load: IngestLoad,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const match = request.method === 'POST' ? WEBHOOK_PATH.exec(request.originalUrl) : null;
    if (match) {
      const started = process.hrtime.bigint();
      const path = { vendor: match[1], subscriptionId: match[2], exact: match[3] === '' || match[3] === '/' };
      response.once('finish', () => this.answered(request as WebhookRequest, response, path, started));
      this.load.track(request, response);
    }
    next();
  }

  private answered(request: WebhookRequest, response: Response, path: { vendor: string; subscriptionId: string; exact: boolean }, started: bigint): void {
    const notes = response.locals as WebhookLocals;
    // Only known vendors become label values: a random path must not grow the metrics without bound.
    const vendor = this.vendors.has(path.vendor) ? path.vendor : 'unknown';
    const outcome = classifyOutcome(response.statusCode, notes.receipt);
    const subscription = request.subscription;
    notes.webhook = { vendor, outcome, ...(subscription && { subscriptionId: subscription.id }) };
    this.metrics.webhookAnswered(vendor, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    // Only refusals on a webhook route of a subscription that may exist (not one the guard found missing).
    if (response.statusCode < 400 || vendor === 'unknown' || !path.exact || notes.error?.code === ErrorCode.SubscriptionNotFound) return;
    const subscriptionId = subscription?.id ?? path.subscriptionId;
    // Whether the subscription exists (and is this vendor's) is checked when the record is written.
    if (!isUUID(subscriptionId)) return;
    const recorded = this.rejections.record(
      { vendor, subscriptionId },
      {
        status: response.statusCode,
        code: notes.error?.code ?? 'UNKNOWN',
        reason: notes.error?.message ?? '',
        requestId: typeof request.id === 'string' ? request.id : null,
        remoteAddress: request.socket.remoteAddress ?? null,
      },
    );
    if (!recorded) this.metrics.rejectionUnrecorded(vendor);
  }
}
