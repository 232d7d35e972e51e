import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { ErrorCode } from '../common/error-code';

/** A position in the event feed: the inserting transaction's id, then the event id. Opaque to clients. */
export interface EventCursor {
  xid: string;
  id: string;
}

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(`${cursor.xid}:${cursor.id}`).toString('base64url');
}

const MAX_BIGINT = 9223372036854775807n;

/** A non-negative PostgreSQL bigint written in decimal. */
export function isBigintId(value: string): boolean {
  return /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_BIGINT;
}

export function decodeCursor(value: string): EventCursor {
  const match = /^(\d{1,19}):(\d{1,19})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match || !isBigintId(match[1]) || !isBigintId(match[2])) {
    throw new AppException(HttpStatus.BAD_REQUEST, ErrorCode.InvalidCursor, 'cursor is not one this API handed out');
  }
  return { xid: match[1], id: match[2] };
}
