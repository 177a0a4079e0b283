/**
 * Digests off the main thread: one worker per process, started on first use, that runs
 * digestPath for every path it is sent. The worker is ref'd only while digests are in flight,
 * so an idle digester never keeps a process alive and a pending digest is finished before a
 * program that ends naturally exits. Where the built worker script is missing (core run from
 * its TypeScript source), digests run in this thread, still streamed.
 */
import type { Worker } from 'node:worker_threads';
import { builtWorkerScript, workerExecArgv } from '../worker/worker-thread.js';
import { digestPath, type PathDigest } from './digest.js';
import type { DigestReply } from './digest-worker-main.js';

/** The build's file name of the worker entry (tsup entry `digest-worker`). */
export const DIGEST_WORKER_ENTRY = 'digest-worker';

type Waiter = { resolve: (found: PathDigest) => void; reject: (error: Error) => void };

/**
 * Digests files and folders on a worker thread (sha256 of a file's bytes, or of a folder's manifest).
 *
 * @example
 * const digester = new FileDigester();
 * const { digest } = await digester.digest('model/');
 */
export class FileDigester {
  private worker: Promise<Worker> | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiter>();
  private readonly script = builtWorkerScript(DIGEST_WORKER_ENTRY);

  /** Digests in flight. */
  get pending(): number {
    return this.waiting.size;
  }

  /**
   * The digest of a file or folder (see digestPath), computed on the worker thread.
   *
   * @example
   * const { digest } = await fileDigester().digest('data/raw.csv');
   */
  digest(path: string): Promise<PathDigest> {
    if (this.script === undefined) return digestPath(path);
    const id = ++this.nextId;
    const result = new Promise<PathDigest>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.start().then(
      (worker) => {
        if (this.waiting.size > 0) worker.ref();
        worker.postMessage({ id, path });
      },
      (error: Error) => this.fail(error),
    );
    return result;
  }

  private start(): Promise<Worker> {
    // Loaded only here: a process that never digests a file never loads worker_threads.
    this.worker ??= import('node:worker_threads').then(({ Worker: WorkerClass }) => {
      const worker = new WorkerClass(this.script!, {
        stdout: false,
        stderr: false,
        execArgv: workerExecArgv(),
      });
      worker.on('message', (reply: DigestReply) => this.settle(reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => {
        this.worker = undefined;
        this.fail(new Error('the file digest worker stopped'));
      });
      worker.unref();
      return worker;
    });
    return this.worker;
  }

  private settle(reply: DigestReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) void this.worker?.then((worker) => worker.unref());
    if ('error' in reply) waiter.reject(Object.assign(new Error(reply.error), { code: reply.error }));
    else {
      const { id: _id, ...found } = reply;
      waiter.resolve(found);
    }
  }

  private fail(error: Error): void {
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}

const KEY = Symbol.for('mlmeta.fileDigester');

/** The process's digester (shared by the ESM and CJS builds of core). */
export function fileDigester(): FileDigester {
  const scope = globalThis as Record<symbol, unknown>;
  scope[KEY] ??= new FileDigester();
  return scope[KEY] as FileDigester;
}
