/**
 * Environment and hardware capture, started once per process in the background and recorded on
 * every run as properties `environment` and `hardware` when ready. They run on a worker thread
 * of their own (capture/capture-worker-main.ts): reading the project's package.json files,
 * hashing the lockfile, git and systeminformation cost the training thread about 150 ms of CPU
 * at a fit's start otherwise (bench/tfjs-cpu-share.mjs). Where core runs from its TypeScript
 * sources there is no built worker, and they run here, a turn after the run starts.
 */
import type { CaptureReply, CaptureStart } from '../capture/capture-worker-main.js';
import { type CaptureEnvironmentOptions, captureEnvironment } from '../capture/environment.js';
import { captureHardware } from '../capture/hardware.js';
import type { MlmetaConfig } from '../config/config.js';
import { logger } from '../log.js';
import { builtWorkerScript, workerExecArgv } from '../worker/worker-thread.js';
import type { TrackedRun } from './run.js';

/** The build's file name of the worker entry (tsup entry `capture-worker`). */
export const CAPTURE_WORKER_ENTRY = 'capture-worker';

export interface BackgroundCaptures {
  /** Settles when every capture has finished (or failed). */
  all: Promise<unknown>[];
  /** Record each capture on `run` when it is ready. */
  record(run: TrackedRun): void;
}

type Part = CaptureReply['part'];

// Deferred to the next turn of the loop: a capture's synchronous start (reading package.json,
// hashing the lockfile) must not run inside startRun.
function later<T>(task: () => Promise<T>): Promise<T | undefined> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(task).catch((error) => {
    logger.warn('background capture failed:', error);
    return undefined;
  });
}

/** Each part's value as the worker sends it; a part whose worker fails resolves undefined. */
function onWorker(script: string, start: CaptureStart, parts: Part[]): Map<Part, Promise<unknown>> {
  const settle = new Map<Part, (value: unknown) => void>();
  const values = new Map(
    parts.map((part) => [part, new Promise<unknown>((resolve) => settle.set(part, resolve))] as const),
  );
  const giveUp = (error?: unknown) => {
    if (error !== undefined) logger.warn('background capture failed:', error);
    for (const resolve of settle.values()) resolve(undefined);
  };
  // Started a turn after the run, like the in-thread captures; a worker that cannot start
  // resolves every part at once (undefined), so no run's end() waits for it.
  setImmediate(async () => {
    try {
      // Loaded only here: a process that records nothing never loads worker_threads.
      const { Worker } = await import('node:worker_threads');
      const worker = new Worker(script, {
        workerData: start,
        stdout: false,
        stderr: false,
        execArgv: workerExecArgv(),
      });
      // Ref'd like the in-thread captures were, so a run's end() waiting for them keeps the
      // process up; the worker ends itself once it has replied, and lets go of it then.
      let replies = 0;
      worker.on('message', (reply: CaptureReply) => {
        settle.get(reply.part)?.(reply.value);
        if (++replies === parts.length) worker.unref();
      });
      worker.on('error', giveUp);
      worker.on('exit', () => giveUp());
    } catch (error) {
      giveUp(error);
    }
  });
  return values;
}

export function startCaptures(config: MlmetaConfig): BackgroundCaptures {
  const environment: CaptureEnvironmentOptions | undefined =
    config.capture.system || config.capture.git || config.capture.packages
      ? {
          git: config.capture.git,
          packages: config.capture.packages,
          envAllowlist: config.envAllowlist,
          argv: process.argv,
          execArgv: process.execArgv,
        }
      : undefined;
  const parts: Part[] = [];
  if (environment) parts.push('environment');
  if (config.capture.hardware) parts.push('hardware');
  const script = parts.length > 0 ? builtWorkerScript(CAPTURE_WORKER_ENTRY) : undefined;
  let values: Map<Part, Promise<unknown>>;
  if (script) {
    values = onWorker(script, { environment, hardware: config.capture.hardware }, parts);
  } else {
    values = new Map();
    if (environment)
      values.set(
        'environment',
        later(() => captureEnvironment(environment)),
      );
    if (config.capture.hardware)
      values.set(
        'hardware',
        later(() => captureHardware()),
      );
  }
  return {
    all: [...values.values()],
    record(run) {
      for (const [name, promise] of values) {
        void promise.then((value) => {
          if (value !== undefined) run.recordCapture(name, value);
        });
      }
    },
  };
}
