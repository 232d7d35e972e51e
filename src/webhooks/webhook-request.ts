import type { Request, Response } from 'express';
import type { WebhookReceipt } from '../events/webhook-receipt';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { WebhookOutcome } from './webhook-outcome';

/**
 * The request-scoped fields of one webhook delivery, as they pass from guard to handler, exception
 * filter, outcome middleware and request log. The request carries what the handler reads; the
 * response's `locals` what is noted about the answer.
 */
export interface WebhookRequest extends Request {
  /** Nest's body parser: the body's bytes exactly as received. */
  rawBody?: Buffer;
  /** The signature guard: the subscription the path names (found before any check on the body). */
  subscription?: Subscription;
  res?: Response<unknown, WebhookLocals>;
}

/** Noted on `response.locals` while a webhook delivery is answered. */
export type WebhookLocals = {
  /** The handler: what became of the stored delivery. */
  receipt?: WebhookReceipt;
  /** The exception filter (which notes it on every route): the refusal's code and message. */
  error?: { code: string; message: string };
  /** The outcome middleware, once answered: what the request log line carries besides method, URL, status and time. */
  webhook?: WebhookLogFields;
};

export interface WebhookLogFields {
  vendor: string;
  subscriptionId?: string;
  outcome: WebhookOutcome;
}
