/**
 * The messages between a `WorkerStore` (main thread) and its store worker. Values travel by
 * structured clone, which keeps NaN and ±Infinity; errors are flattened to their name, code,
 * message and filter position, because structured clone keeps neither an error's class nor its
 * `code`, and callers branch on both (the writer's retry decision reads `code`).
 */
import { FilterSyntaxError, MlmetaError, SchemaVersionError } from '../errors.js';
import { isMlmetaErrorCode } from '../http/wire.js';
import type { MetadataStore } from '../store.js';
import type { MetricColumns } from './metric-columns.js';

/** Every store method the worker answers; `close` is handled apart (it also stops the worker). */
export const STORE_METHODS = [
  'putTypes',
  'getTypes',
  'getType',
  'putLineage',
  'getArtifacts',
  'getExecutions',
  'getContexts',
  'getArtifact',
  'getExecution',
  'getContext',
  'getEvents',
  'getAttributions',
  'getAssociations',
  'getParentContexts',
  'getLineage',
  'appendMetrics',
  'getMetricKeys',
  'getMetrics',
] as const satisfies readonly Exclude<keyof MetadataStore, 'uri' | 'close'>[];

export type StoreMethod = (typeof STORE_METHODS)[number] | 'close';

/** What the worker is started with (`workerData`). */
export interface WorkerStart {
  uri: string;
  options: { readOnly?: boolean; token?: string; pageCacheKiB?: number };
}

/** Main → worker. */
export interface WorkerRequest {
  id: number;
  method: StoreMethod;
  args: unknown[];
  /** appendMetrics' points, packed (then `args` is empty). */
  columns?: MetricColumns;
}

/** Worker → main. Id 0 answers the opening of the store, with the store's (redacted) URI. */
export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  position?: number;
  cause?: WireError;
}

const MAX_CAUSE_DEPTH = 3;

/** Flatten any thrown value (and up to three levels of `cause`) for postMessage. */
export function encodeError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  const { code, position } = error as { code?: unknown; position?: unknown };
  if (typeof code === 'string') wire.code = code;
  if (typeof position === 'number') wire.position = position;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) wire.cause = encodeError(error.cause, depth + 1);
  return wire;
}

/**
 * Rebuild an error on the calling side: the same class (MlmetaError, FilterSyntaxError with its
 * position, SchemaVersionError), code and message as the store threw; other errors (a driver's
 * SqliteError, a pg error) keep their name and code. The stack is the caller's.
 */
export function decodeError(wire: WireError): Error {
  const cause = wire.cause ? { cause: decodeError(wire.cause) } : undefined;
  let error: Error;
  if (isMlmetaErrorCode(wire.code)) {
    if (wire.name === 'FilterSyntaxError' && wire.position !== undefined) {
      error = new FilterSyntaxError(wire.message, wire.position);
      error.message = wire.message;
    } else if (wire.name === 'SchemaVersionError') {
      error = new SchemaVersionError(wire.message);
    } else {
      error = new MlmetaError(wire.code, wire.message, cause);
    }
  } else {
    error = new Error(wire.message, cause);
    error.name = wire.name;
    if (wire.code !== undefined) (error as Error & { code: string }).code = wire.code;
  }
  if (cause && error.cause === undefined) error.cause = cause.cause;
  return error;
}
