/**
 * Turns anything a handler, a parser or fastify itself throws into the API's one error shape,
 * `{ error: { code, message } }`, with the status core's wire format assigns to the code.
 * Internal details (stacks, SQL) never reach the client; they go to the server's log.
 */
import {
  FilterSyntaxError,
  isMlmetaError,
  isMlmetaErrorCode,
  type MlmetaErrorCode,
  statusForCode,
  type WireErrorBody,
} from '@mlmeta/core';

/** Network and lock errors from a store driver that mean "try again later", not "bug". */
const UNAVAILABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '57P01', // PostgreSQL admin_shutdown
  '57P03', // PostgreSQL cannot_connect_now
  '53300', // PostgreSQL too_many_connections
]);

export interface ErrorReply {
  status: number;
  body: WireErrorBody;
  /** True when the cause is a server-side problem worth logging with its stack. */
  internal: boolean;
}

function reply(
  code: MlmetaErrorCode,
  message: string,
  status = statusForCode(code),
  internal = false,
): ErrorReply {
  return { status, body: { error: { code, message } }, internal };
}

/** The answer for `error`; fastify's own errors (FST_ERR_*) carry a statusCode we keep when it is a 4xx. */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof FilterSyntaxError) {
    const answer = reply(error.code, error.message);
    answer.body.error.position = error.position;
    return answer;
  }
  // isMlmetaError alone would also accept fastify's and Node's errors: they have string codes too.
  if (isMlmetaError(error) && isMlmetaErrorCode(error.code)) {
    return reply(error.code, error.message, statusForCode(error.code), error.code === 'INTERNAL');
  }
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && UNAVAILABLE_SYSTEM_CODES.has(e.code)) {
    return reply('UNAVAILABLE', `the store is unavailable (${e.code}); retry later`, 503, true);
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (status === 413) {
    return reply('INVALID_ARGUMENT', `request body too large: ${message}; send smaller batches`, 413);
  }
  if (status === 415) {
    return reply('INVALID_ARGUMENT', `${message}; send Content-Type: application/json`, 415);
  }
  if (status === 404) return reply('NOT_FOUND', message, 404);
  if (status >= 400 && status < 500) return reply('INVALID_ARGUMENT', message, status);
  if (status === 503) return reply('UNAVAILABLE', message, 503);
  return reply('INTERNAL', 'internal server error; see the server log', 500, true);
}
