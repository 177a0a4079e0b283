/**
 * A `MetadataStore` whose real store lives in a worker thread. better-sqlite3 is synchronous, so
 * a store in the training process's own thread blocks its event loop for every write (and for
 * up to a minute on a locked database); here every call is posted to the worker and only the
 * structured clone of its arguments costs the calling thread anything.
 *
 * The worker is unref'd while no call is in flight, so an idle store never keeps the process
 * alive, and ref'd while one is, so that awaiting a call at the top level of a script finishes.
 */
import { Worker } from 'node:worker_threads';
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
import { workerExecArgv } from '../../worker/worker-thread.js';
import { MlmetaError } from '../errors.js';
import { redactUri } from '../open.js';
import type {
  LineageGraph,
  LineageQuery,
  MetadataStore,
  MetricQuery,
  NodeQuery,
  Page,
  PutTypesOptions,
} from '../store.js';
import { type MetricColumns, packMetricPoints } from './metric-columns.js';
import {
  decodeError,
  type StoreMethod,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStart,
} from './protocol.js';
import { storeWorkerScript } from './worker-script.js';

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** Captured at the call, so a rejection points at the caller's code, not at the message port. */
  stack: string | undefined;
}

const OPEN_ID = 0;

export class WorkerStore implements MetadataStore {
  private uriValue: string;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = OPEN_ID + 1;
  /** Set once the worker is gone (closed or failed): every later call rejects with it. */
  private stopped: MlmetaError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    uri: string,
  ) {
    this.uriValue = redactUri(uri);
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) =>
      this.stop(
        new MlmetaError('UNAVAILABLE', `the store worker failed: ${error.message}; open the store again`),
      ),
    );
    worker.on('exit', (code) =>
      this.stop(
        new MlmetaError('UNAVAILABLE', `the store worker exited (code ${code}); open the store again`),
      ),
    );
    // Before any other `exit` listener: the tracker writes its final records synchronously
    // there (spool, then a replay child), and a write still running in the worker must not land
    // after them with older state. A terminated worker commits nothing more; its connection
    // closes (rolling back an open transaction) and the replay writes that batch again.
    process.prependListener('exit', this.stopAtExit);
  }

  private readonly stopAtExit = () => {
    this.stop(new MlmetaError('UNAVAILABLE', 'the process is exiting'));
    void this.worker.terminate();
  };

  /** Start a worker that opens `uri`; resolves once the store is open there. */
  static async open(uri: string, start: WorkerStart['options']): Promise<WorkerStore> {
    const script = storeWorkerScript();
    if (script === undefined) {
      throw new MlmetaError(
        'FAILED_PRECONDITION',
        'the store worker script is not next to this build of @mlmeta/core (running from source or bundled?); open the store without { worker: true }',
      );
    }
    const workerData: WorkerStart = { uri, options: start };
    const worker = new Worker(script, {
      workerData,
      stdout: false,
      stderr: false,
      execArgv: workerExecArgv(),
    });
    const store = new WorkerStore(worker, uri);
    const opened = store.expect(OPEN_ID);
    try {
      store.uriValue = String(await opened);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return store;
  }

  get uri(): string {
    return this.uriValue;
  }

  putTypes(types: TypeInput[], options?: PutTypesOptions): Promise<number[]> {
    return this.call('putTypes', [types, options]);
  }
  getTypes(kind?: TypeKindName): Promise<TypeDef[]> {
    return this.call('getTypes', [kind]);
  }
  getType(kind: TypeKindName, name: string, version?: string): Promise<TypeDef | undefined> {
    return this.call('getType', [kind, name, version]);
  }
  putLineage(batch: LineageBatch): Promise<LineageBatchResult> {
    return this.call('putLineage', [batch]);
  }
  getArtifacts(query?: NodeQuery): Promise<Page<Artifact>> {
    return this.call('getArtifacts', [query]);
  }
  getExecutions(query?: NodeQuery): Promise<Page<Execution>> {
    return this.call('getExecutions', [query]);
  }
  getContexts(query?: NodeQuery): Promise<Page<Context>> {
    return this.call('getContexts', [query]);
  }
  getArtifact(ref: NodeRef): Promise<Artifact | undefined> {
    return this.call('getArtifact', [ref]);
  }
  getExecution(ref: NodeRef): Promise<Execution | undefined> {
    return this.call('getExecution', [ref]);
  }
  getContext(ref: NodeRef): Promise<Context | undefined> {
    return this.call('getContext', [ref]);
  }
  getEvents(query: { artifactIds?: number[]; executionIds?: number[] }): Promise<Event[]> {
    return this.call('getEvents', [query]);
  }
  getAttributions(query: { artifactIds?: number[]; contextIds?: number[] }): Promise<Attribution[]> {
    return this.call('getAttributions', [query]);
  }
  getAssociations(query: { executionIds?: number[]; contextIds?: number[] }): Promise<Association[]> {
    return this.call('getAssociations', [query]);
  }
  getParentContexts(query: { childIds?: number[]; parentIds?: number[] }): Promise<ParentContext[]> {
    return this.call('getParentContexts', [query]);
  }
  getLineage(query: LineageQuery): Promise<LineageGraph> {
    return this.call('getLineage', [query]);
  }
  appendMetrics(points: MetricPoint[]): Promise<void> {
    const columns = packMetricPoints(points);
    return columns ? this.appendMetricColumns(columns) : this.call('appendMetrics', [points]);
  }
  /**
   * Points already packed (the writer's queue packs them without making point objects); the
   * buffer is handed to the worker and is detached here afterwards.
   */
  appendMetricColumns(columns: MetricColumns): Promise<void> {
    return this.call('appendMetrics', [], columns);
  }
  getMetricKeys(execution: NodeRef): Promise<MetricKeySummary[]> {
    return this.call('getMetricKeys', [execution]);
  }
  getMetrics(query: MetricQuery): Promise<MetricSeries> {
    return this.call('getMetrics', [query]);
  }

  /** Close the store in the worker, then end the worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) await this.call('close', []).catch(() => undefined);
      this.stop(new MlmetaError('FAILED_PRECONDITION', 'the store is closed; open it again'));
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private call<T>(method: StoreMethod, args: unknown[], columns?: MetricColumns): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const result = this.expect(id) as Promise<T>;
    const request: WorkerRequest = columns ? { id, method, args, columns } : { id, method, args };
    try {
      // The packed points' buffer is handed over, not copied.
      this.worker.postMessage(request, columns ? [columns.data.buffer as ArrayBuffer] : undefined);
    } catch (error) {
      // A value structured clone cannot copy (a function, a class with private state, ...).
      this.settle({
        id,
        ok: false,
        error: {
          name: 'MlmetaError',
          code: 'INVALID_ARGUMENT',
          message: `${method}: an argument cannot be sent to the store worker (${(error as Error).message}); pass plain data`,
        },
      });
    }
    return result;
  }

  /** Register a reply to wait for; the worker keeps the process alive while any is awaited. */
  private expect(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, stack: new Error().stack });
    });
  }

  private settle(reply: WorkerReply): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) {
      call.resolve(reply.value);
      return;
    }
    const error = decodeError(reply.error);
    if (call.stack)
      error.stack = `${error.name}: ${error.message}${call.stack.slice(call.stack.indexOf('\n'))}`;
    call.reject(error);
  }

  private stop(error: MlmetaError): void {
    process.removeListener('exit', this.stopAtExit);
    this.stopped ??= error;
    for (const call of this.pending.values()) call.reject(this.stopped);
    this.pending.clear();
    this.worker.unref();
  }
}

/**
 * Open the store at `uri` in a worker thread: the returned store posts every call there, so a
 * synchronous backend (better-sqlite3) never blocks the calling thread. Same contract and errors
 * as the store itself. Rejects with FAILED_PRECONDITION where core runs without its built worker
 * script (see `storeWorkerScript`).
 *
 * @example
 * const store = await openWorkerStore('sqlite:.mlmeta/mlmeta.db');
 * await store.appendMetrics(points); // written in the worker thread
 * await store.close(); // ends the worker
 */
export function openWorkerStore(uri: string, options: WorkerStart['options'] = {}): Promise<MetadataStore> {
  return WorkerStore.open(uri, options);
}
