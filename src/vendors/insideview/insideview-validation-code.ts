import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { WebhookRequest } from '../../webhooks/webhook-request';
import type { HeadCheck } from '../vendor-definition';

/** InsideView's header, with exactly this casing: InsideView compares the name case-sensitively. */
export const VALIDATION_HEADER = 'X-InsideViewAPI-ValidationCode';

/** The validation handshake, gateway side: echo the code in a header of exactly InsideView's name and casing. */
export function echoValidationCode(request: WebhookRequest, response: Response): void {
  const code = request.headers[VALIDATION_HEADER.toLowerCase()];
  if (typeof code === 'string' && code.length <= 500) response.setHeader(VALIDATION_HEADER, code);
}

/** The validation handshake, InsideView side (test-event, simulate): a fresh code, which must come back verbatim. */
export const insideviewHeadCheck: HeadCheck = {
  request: () => ({ [VALIDATION_HEADER]: randomBytes(8).toString('hex') }),
  judge: (sent, rawHeaders) => {
    // The name is compared case-sensitively, so the raw response headers are read.
    const index = rawHeaders.indexOf(VALIDATION_HEADER);
    return index >= 0 && rawHeaders[index + 1] === sent[VALIDATION_HEADER] ? null : `the answer did not echo ${VALIDATION_HEADER} with that exact name and value`;
  },
};
