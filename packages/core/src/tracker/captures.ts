/**
 * Environment and hardware capture, started once per process in the background and recorded on
 * every run as properties `environment` and `hardware` when ready. Slow probes (git,
 * systeminformation, nvidia-smi) never run on a logging call's path.
 */
import { captureEnvironment } from '../capture/environment.js';
import { captureHardware } from '../capture/hardware.js';
import type { MlmetaConfig } from '../config/config.js';
import { logger } from '../log.js';
import type { TrackedRun } from './run.js';

export interface BackgroundCaptures {
  /** Settles when every capture has finished (or failed). */
  all: Promise<unknown>[];
  /** Record each capture on `run` when it is ready. */
  record(run: TrackedRun): void;
}

// Deferred to the next turn of the loop: a capture's synchronous start (reading package.json,
// hashing the lockfile) must not run inside startRun.
function later<T>(task: () => Promise<T>): Promise<T | undefined> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(task).catch((error) => {
    logger.warn('background capture failed:', error);
    return undefined;
  });
}

export function startCaptures(config: MlmetaConfig): BackgroundCaptures {
  const parts: Array<[string, Promise<unknown>]> = [];
  if (config.capture.system || config.capture.git || config.capture.packages) {
    const options = {
      git: config.capture.git,
      packages: config.capture.packages,
      envAllowlist: config.envAllowlist,
    };
    parts.push(['environment', later(() => captureEnvironment(options))]);
  }
  if (config.capture.hardware) parts.push(['hardware', later(() => captureHardware())]);
  return {
    all: parts.map(([, promise]) => promise),
    record(run) {
      for (const [name, promise] of parts) {
        void promise.then((value) => {
          if (value !== undefined) run.recordCapture(name, value);
        });
      }
    },
  };
}
