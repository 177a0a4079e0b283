/**
 * What a failed store write means, decided here and nowhere else:
 * - `transient`: the store may take the same write later (unreachable, locked, closed, busy):
 *   retry with backoff, and spool meanwhile.
 * - `record`: the store rejects this record and always will (invalid, conflicting, referring to a
 *   node that does not exist): set that record aside in the quarantine, write the others.
 * - `store`: this store refuses every write (read-only, unauthenticated, a schema from a newer
 *   mlmeta): spool, so the records wait for a store that takes them.
 */
import { isMlmetaError } from '../store/errors.js';

export type WriteFailure = 'transient' | 'record' | 'store';

/** Driver codes for a record the database will never take (SQLite constraints, PostgreSQL classes 22 and 23). */
function isDriverRecordError(code: string): boolean {
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_TOOBIG' || /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * @example
 * classifyWriteError(new MlmetaError('UNAVAILABLE', 'cannot reach PostgreSQL')); // 'transient'
 * classifyWriteError(new MlmetaError('NOT_FOUND', 'no execution has external id ...')); // 'record'
 */
export function classifyWriteError(error: unknown): WriteFailure {
  if (isMlmetaError(error)) {
    switch (error.code) {
      case 'INVALID_ARGUMENT':
      case 'ALREADY_EXISTS':
      case 'NOT_FOUND':
        return 'record';
      case 'PERMISSION_DENIED':
      case 'UNAUTHENTICATED':
        return 'store';
      case 'FAILED_PRECONDITION':
        // A closed store is reopened by the next attempt; a schema this mlmeta cannot use stays
        // so; anything else (a node whose type would change) is about the record.
        if (error.name === 'SchemaVersionError') return 'store';
        return /\bclosed\b/.test(error.message) ? 'transient' : 'record';
      default:
        return 'transient';
    }
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && isDriverRecordError(code) ? 'record' : 'transient';
}

/** The first line of an error's message, for warnings and quarantine entries. */
export function errorReason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
