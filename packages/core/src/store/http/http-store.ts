/**
 * MetadataStore over mlmeta's HTTP API (`mlmeta server`). Every call is one request (metric
 * appends are split into bounded chunks); failures that may be transient (network errors,
 * timeouts, 5xx) are retried with backoff and jitter within a time budget, then surface as
 * MlmetaError('UNAVAILABLE') so that the writer spools. 4xx answers become the same typed
 * errors a local store throws.
 */
import type { KyInstance } from 'ky';
import type { TypeKindName } from '../../model/enums.js';
import type {
  Artifact,
  Association,
  Attribution,
  Context,
  Event,
  Execution,
  LineageBatch,
  LineageBatchResult,
  MetricKeySummary,
  MetricPoint,
  MetricSeries,
  NodeRef,
  ParentContext,
  TypeDef,
  TypeInput,
} from '../../model/schemas.js';
import { FilterSyntaxError, MlmetaError } from '../errors.js';
import type {
  LineageGraph,
  LineageQuery,
  MetadataStore,
  MetricQuery,
  NodeQuery,
  Page,
  PutTypesOptions,
} from '../store.js';
import { encodeMetricColumns, splitMetricColumns, toMetricColumns } from './metric-columns.js';
import { backoffDelay, DEFAULT_RETRY, type RetryOptions, sleep } from './retry.js';
import { codeForStatus, decodeWireJson, encodeWireJson, parseWireError } from './wire.js';

/**
 * How the HTTP store talks to an mlmeta server: token, timeouts, retries, batch sizes.
 *
 * @example
 * const store = await openHttpStore('https://mlmeta.internal:5858', { token: process.env.MLMETA_TOKEN, timeoutMs: 10_000 });
 */
export interface HttpStoreOptions {
  /** Bearer token; default MLMETA_TOKEN. */
  token?: string;
  /** Per-attempt timeout. Default 30,000 ms. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Metric points per request at most. Default 10,000 (about 400 kB of columnar JSON). */
  metricsBatchSize?: number;
  /** Requests of one appendMetrics call in flight at once. Default 2. */
  metricsInFlight?: number;
}

/**
 * Below this many points a call is one request: splitting smaller ones buys no overlap worth the
 * extra round trip.
 */
const MIN_SPLIT_POINTS = 1_000;

/** Whether an attempt that failed this way may be sent again. */
type Retry = 'always' | 'if-idempotent' | 'never';

interface Failure {
  retry: Retry;
  error: MlmetaError;
}

interface RequestInit {
  json?: unknown;
  /** A body already encoded as wire JSON (instead of `json`). */
  body?: string;
  searchParams?: Record<string, string | number | undefined>;
  /** Sending it twice has the effect of sending it once. */
  idempotent: boolean;
}

const utf8 = new TextEncoder();

/** Connection failures where the request provably never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function networkFailure(error: unknown, timeoutMs: number): Failure {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') {
    return {
      retry: 'if-idempotent',
      error: new MlmetaError('UNAVAILABLE', `no answer within ${timeoutMs} ms`),
    };
  }
  const code = e?.cause?.code;
  const detail = code ?? e?.cause?.message ?? e?.message ?? String(error);
  return {
    retry: code && NOT_SENT_CODES.has(code) ? 'always' : 'if-idempotent',
    error: new MlmetaError('UNAVAILABLE', `network error: ${detail}`, { cause: error }),
  };
}

function httpFailure(status: number, text: string): Failure {
  let body: unknown;
  try {
    body = decodeWireJson(text);
  } catch {
    body = undefined;
  }
  const wire = parseWireError(body);
  const code = wire?.code ?? codeForStatus(status);
  const message = wire?.message ?? `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (wire?.position !== undefined)
    return { retry: 'never', error: filterSyntaxError(message, wire.position) };
  // 503 means the server did not apply the request (store down, or shutting down): always safe.
  const retry: Retry =
    status === 503 ? 'always' : status >= 500 || status === 408 ? 'if-idempotent' : 'never';
  return { retry, error: new MlmetaError(code, message) };
}

/** The same error class a local store throws for a bad filter, message unchanged. */
function filterSyntaxError(message: string, position: number): FilterSyntaxError {
  const error = new FilterSyntaxError(message, position);
  error.message = message;
  return error;
}

/** A batch is safe to resend when every node is addressed by id, external id or (contexts) name. */
function isIdempotentBatch(batch: LineageBatch): boolean {
  const addressed = (n: { id?: number; externalId?: string }) =>
    n.id !== undefined || n.externalId !== undefined;
  return (batch.artifacts ?? []).every(addressed) && (batch.executions ?? []).every(addressed);
}

function refParams(ref: NodeRef, prefix: 'id' | 'executionId'): Record<string, string | number | undefined> {
  const external = prefix === 'id' ? 'externalId' : 'executionExternalId';
  return 'id' in ref ? { [prefix]: ref.id } : { [external]: (ref as { externalId: string }).externalId };
}

export class HttpStore implements MetadataStore {
  readonly uri: string;
  private readonly api: KyInstance;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;
  private readonly metricsBatchSize: number;
  private readonly metricsInFlight: number;
  private closed = false;

  constructor(uri: string, api: KyInstance, options: HttpStoreOptions) {
    this.uri = uri;
    this.api = api;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.metricsBatchSize = Math.max(1, options.metricsBatchSize ?? 10_000);
    this.metricsInFlight = Math.max(1, options.metricsInFlight ?? 2);
  }

  private async attempt(
    method: 'get' | 'post',
    path: string,
    body: Uint8Array<ArrayBuffer> | undefined,
    init: RequestInit,
  ): Promise<{ value: unknown } | { failure: Failure }> {
    let response: Response;
    try {
      response = await this.api(path, {
        method,
        // Bytes, not a string: fetch would measure and encode a string body again on every attempt.
        body,
        // An explicit `headers: undefined` would drop the instance's Authorization header.
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' } }),
        searchParams: init.searchParams
          ? (Object.fromEntries(
              Object.entries(init.searchParams).filter(([, v]) => v !== undefined),
            ) as Record<string, string | number>)
          : undefined,
      });
    } catch (error) {
      return { failure: networkFailure(error, this.timeoutMs) };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return { failure: networkFailure(error, this.timeoutMs) };
    }
    if (!response.ok) return { failure: httpFailure(response.status, text) };
    return { value: text === '' ? undefined : decodeWireJson(text) };
  }

  private async request<T>(method: 'get' | 'post', path: string, init: RequestInit): Promise<T> {
    if (this.closed) throw new MlmetaError('FAILED_PRECONDITION', `store ${this.uri} is closed`);
    const text = init.body ?? (init.json === undefined ? undefined : encodeWireJson(init.json));
    const body = text === undefined ? undefined : utf8.encode(text);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(method, path, body, init);
      if (!('failure' in result)) return result.value as T;
      const { retry, error } = result.failure;
      if (retry === 'never') throw error;
      if (retry === 'if-idempotent' && !init.idempotent) {
        throw new MlmetaError(
          'UNAVAILABLE',
          `${this.uri}: ${error.message}; the request may or may not have been applied and was not resent ` +
            'because it is not idempotent (give every artifact and execution an externalId)',
          { cause: error },
        );
      }
      const delay = backoffDelay(attempt, this.retry);
      const elapsed = Date.now() - started;
      if (elapsed + delay > this.retry.maxElapsedMs) {
        if (error.code !== 'UNAVAILABLE') throw error;
        throw new MlmetaError(
          'UNAVAILABLE',
          `${this.uri} unavailable: ${error.message} (gave up after ${attempt} attempts in ${Math.round(elapsed / 100) / 10} s)`,
          { cause: error },
        );
      }
      await sleep(delay);
    }
  }

  async putTypes(types: TypeInput[], options?: PutTypesOptions): Promise<number[]> {
    const answer = await this.request<{ typeIds: number[] }>('post', 'types', {
      json: { types, options },
      idempotent: true,
    });
    return answer.typeIds;
  }

  async getTypes(kind?: TypeKindName): Promise<TypeDef[]> {
    return (
      await this.request<{ types: TypeDef[] }>('get', 'types', { searchParams: { kind }, idempotent: true })
    ).types;
  }

  async getType(kind: TypeKindName, name: string, version?: string): Promise<TypeDef | undefined> {
    const answer = await this.request<{ type: TypeDef | null }>('get', 'types/lookup', {
      searchParams: { kind, name, version },
      idempotent: true,
    });
    return answer.type ?? undefined;
  }

  putLineage(batch: LineageBatch): Promise<LineageBatchResult> {
    return this.request('post', 'lineage/batches', { json: batch, idempotent: isIdempotentBatch(batch) });
  }

  private getNodes<T>(path: string, query: NodeQuery = {}): Promise<Page<T>> {
    return this.request('post', `${path}/query`, { json: query, idempotent: true });
  }

  private async getNode<T>(path: string, ref: NodeRef): Promise<T | undefined> {
    if (ref === null || typeof ref !== 'object') {
      throw new MlmetaError('INVALID_ARGUMENT', 'a node reference is { id } or { externalId }');
    }
    const answer = await this.request<{ node: T | null }>('get', `${path}/lookup`, {
      searchParams: refParams(ref, 'id'),
      idempotent: true,
    });
    return answer.node ?? undefined;
  }

  getArtifacts(query?: NodeQuery): Promise<Page<Artifact>> {
    return this.getNodes('artifacts', query);
  }
  getExecutions(query?: NodeQuery): Promise<Page<Execution>> {
    return this.getNodes('executions', query);
  }
  getContexts(query?: NodeQuery): Promise<Page<Context>> {
    return this.getNodes('contexts', query);
  }
  getArtifact(ref: NodeRef): Promise<Artifact | undefined> {
    return this.getNode('artifacts', ref);
  }
  getExecution(ref: NodeRef): Promise<Execution | undefined> {
    return this.getNode('executions', ref);
  }
  getContext(ref: NodeRef): Promise<Context | undefined> {
    return this.getNode('contexts', ref);
  }

  private async getEdges<T>(path: string, query: object): Promise<T[]> {
    return (await this.request<{ items: T[] }>('post', `${path}/query`, { json: query, idempotent: true }))
      .items;
  }

  getEvents(query: { artifactIds?: number[]; executionIds?: number[] }): Promise<Event[]> {
    return this.getEdges('events', query);
  }
  getAttributions(query: { artifactIds?: number[]; contextIds?: number[] }): Promise<Attribution[]> {
    return this.getEdges('attributions', query);
  }
  getAssociations(query: { executionIds?: number[]; contextIds?: number[] }): Promise<Association[]> {
    return this.getEdges('associations', query);
  }
  getParentContexts(query: { childIds?: number[]; parentIds?: number[] }): Promise<ParentContext[]> {
    return this.getEdges('parent-contexts', query);
  }

  getLineage(query: LineageQuery): Promise<LineageGraph> {
    return this.request('post', 'lineage/query', { json: query, idempotent: true });
  }

  /**
   * Sends points as columnar bodies (see metric-columns.ts), up to `metricsInFlight` requests at
   * once, so that the next body is encoded and sent while the server stores the previous one.
   * Every point is keyed by (execution, key, step) and a step occurs once per call, so the
   * requests may land in any order and a resent one overwrites itself. Malformed points go in
   * the row form, one request at a time, for the store's own error message.
   */
  async appendMetrics(points: MetricPoint[]): Promise<void> {
    if (!Array.isArray(points))
      throw new MlmetaError('INVALID_ARGUMENT', 'appendMetrics takes an array of points');
    if (points.length === 0) return;
    const groups = toMetricColumns(points);
    if (!groups) {
      for (let start = 0; start < points.length; start += this.metricsBatchSize) {
        const chunk = points.slice(start, start + this.metricsBatchSize);
        await this.request('post', 'metrics', { json: { points: chunk }, idempotent: true });
      }
      return;
    }
    const perRequest =
      points.length < 2 * MIN_SPLIT_POINTS
        ? this.metricsBatchSize
        : Math.min(
            this.metricsBatchSize,
            Math.max(MIN_SPLIT_POINTS, Math.ceil(points.length / this.metricsInFlight)),
          );
    const bodies = splitMetricColumns(groups, perRequest);
    let next = 0;
    let failed = false;
    const sender = async () => {
      while (next < bodies.length && !failed) {
        const body = encodeMetricColumns(bodies[next++]!);
        try {
          await this.request('post', 'metrics', { body, idempotent: true });
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    const senders = Array.from({ length: Math.min(this.metricsInFlight, bodies.length) }, sender);
    const results = await Promise.allSettled(senders);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  async getMetricKeys(execution: NodeRef): Promise<MetricKeySummary[]> {
    if (execution === null || typeof execution !== 'object') {
      throw new MlmetaError('INVALID_ARGUMENT', 'a node reference is { id } or { externalId }');
    }
    const answer = await this.request<{ keys: MetricKeySummary[] }>('get', 'metrics/keys', {
      searchParams: refParams(execution, 'executionId'),
      idempotent: true,
    });
    return answer.keys;
  }

  getMetrics(query: MetricQuery): Promise<MetricSeries> {
    return this.request('post', 'metrics/query', { json: query, idempotent: true });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
