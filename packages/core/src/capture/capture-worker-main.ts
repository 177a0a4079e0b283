/**
 * The capture worker: environment and hardware captured on a thread of their own (tsup entry
 * `capture-worker`), so that reading package.json files, hashing the lockfile and the entry
 * script, git and systeminformation take nothing from the thread that trains. It replies once,
 * per part as each is ready, then ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CaptureEnvironmentOptions, captureEnvironment } from './environment.js';
import { captureHardware } from './hardware.js';

/** What the main thread starts the worker with. */
export interface CaptureStart {
  environment?: CaptureEnvironmentOptions;
  hardware: boolean;
}

/** One part, captured (undefined when it failed). */
export interface CaptureReply {
  part: 'environment' | 'hardware';
  value: unknown;
}

const start = workerData as CaptureStart;
const reply = (part: CaptureReply['part']) => (value: unknown) =>
  parentPort?.postMessage({ part, value } satisfies CaptureReply);
const capture = (part: CaptureReply['part'], task: () => Promise<unknown>) =>
  task().then(reply(part), () => reply(part)(undefined));

// Ends the thread once replied: a probe's leftover timer must not keep it (and the process) alive.
Promise.all([
  start.environment ? capture('environment', () => captureEnvironment(start.environment!)) : undefined,
  start.hardware ? capture('hardware', captureHardware) : undefined,
]).finally(() => process.exit(0));
