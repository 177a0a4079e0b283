/**
 * Typed errors. `code` follows MLMD's (gRPC status) vocabulary so that the HTTP server can map
 * it to a status and clients can branch on it. Messages say what to do next.
 */
export type MlmetaErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL';

/**
 * An error from mlmeta with a `code` in MLMD's (gRPC status) vocabulary and a message that says what to do.
 *
 * @example
 * try {
 *   await openStore('mysql://db');
 * } catch (error) {
 *   if (isMlmetaError(error) && error.code === 'INVALID_ARGUMENT') console.error(error.message);
 * }
 */
export class MlmetaError extends Error {
  readonly code: MlmetaErrorCode;
  constructor(code: MlmetaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlmetaError';
    this.code = code;
  }
}

/** A filter expression that does not parse; `position` is the 0-based offset of the problem. */
export class FilterSyntaxError extends MlmetaError {
  readonly position: number;
  constructor(message: string, position: number) {
    super('INVALID_ARGUMENT', `${message} (at position ${position})`);
    this.name = 'FilterSyntaxError';
    this.position = position;
  }
}

/** The database was written by a newer mlmeta, or has a schema this version cannot migrate. */
export class SchemaVersionError extends MlmetaError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
    this.name = 'SchemaVersionError';
  }
}

const CODES: ReadonlySet<string> = new Set<MlmetaErrorCode>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'UNAVAILABLE',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'INTERNAL',
]);

/**
 * True for mlmeta's typed errors, also across copies of core (the ESM and CJS builds), so by
 * shape. The code must be one of mlmeta's: a driver's error (`23505`, `SQLITE_BUSY`) is not one.
 *
 * @example
 * if (isMlmetaError(error) && error.code === 'NOT_FOUND') return undefined;
 */
export function isMlmetaError(error: unknown): error is MlmetaError {
  return error instanceof Error && CODES.has((error as { code?: unknown }).code as string);
}
