/**
 * The store worker's entry (built as dist/store-worker.js and .cjs): opens the real store named
 * in `workerData` and answers the calls a `WorkerStore` posts, until it is closed or terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../open.js';
import type { MetadataStore } from '../store.js';
import { unpackMetricPoints } from './metric-columns.js';
import {
  encodeError,
  STORE_METHODS,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStart,
} from './protocol.js';

const METHODS = new Set<string>(STORE_METHODS);

async function serve(store: MetadataStore, request: WorkerRequest): Promise<unknown> {
  if (request.method === 'close') return store.close();
  if (!METHODS.has(request.method)) throw new Error(`the store worker has no method "${request.method}"`);
  const method = store[request.method] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(store, request.columns ? [unpackMetricPoints(request.columns)] : request.args);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the mlmeta store worker runs only as a worker thread (see openWorkerStore)');
  const { uri, options } = workerData as WorkerStart;
  const reply = (message: WorkerReply) => {
    try {
      port.postMessage(message);
    } catch (error) {
      // A result structured clone cannot copy: answer with the error rather than leave the call hanging.
      port.postMessage({ id: message.id, ok: false, error: encodeError(error) } satisfies WorkerReply);
    }
  };
  let store: MetadataStore;
  try {
    store = await openStore(uri, { ...options, worker: false });
  } catch (error) {
    // Nothing listens after this, so the worker ends by itself.
    reply({ id: 0, ok: false, error: encodeError(error) });
    return;
  }
  port.on('message', (request: WorkerRequest) => {
    serve(store, request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) => reply({ id: request.id, ok: false, error: encodeError(error) }),
    );
  });
  reply({ id: 0, ok: true, value: store.uri });
}

void main();
