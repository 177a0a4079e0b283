/**
 * Process lifecycle hooks, installed once per process: they end live runs when the process ends
 * and never change how it ends. An uncaught exception → FAILED with the stack; a non-zero exit
 * code → FAILED with the code; SIGINT/SIGTERM → CANCELED with the signal (flushed within 2 s,
 * else spooled, then the signal is raised again if no one else listens, so the process still
 * dies by it);
 * `beforeExit` → end and flush; `exit` → end and write synchronously (nothing async runs then).
 * Whichever way, models still serving write their statistics first, so the Serve runs end with
 * every call counted.
 */
import { type FileLink, handOverFileLinks } from '../files/file-link-job.js';
import { logger } from '../log.js';
import { flushServingRecords } from '../serving/serving-record.js';
import { syncCommand } from '../writer/spool.js';
import { fileLinksSettled, takePendingFileLinks } from './artifact-link.js';
import { replaySpoolInChild } from './exit-replay.js';
import { describePendingErrors, RUN_PROPERTIES } from './run.js';
import { existingTracker, type StoreWriter, type Tracker } from './tracker.js';

const HOOKS_KEY = Symbol.for('mlmeta.processHooks');
/** Longest wait for a flush after SIGINT/SIGTERM before the signal is raised again. */
export const SIGNAL_FLUSH_MS = 2000;

/**
 * Marks mlmeta's own signal listeners: this hook's and the preload hook's file capture's (which
 * hands its files over on the signal and leaves raising it again to this hook). Only the app's
 * listeners decide whether a signal ends the process.
 */
const OWN_LISTENER = Symbol.for('mlmeta.signalListener');
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

const appListeners = (signal: NodeJS.Signals) =>
  process.listeners(signal).filter((listener) => !(OWN_LISTENER in listener)).length;

interface HookState {
  signal?: NodeJS.Signals;
  processEndRecorded: boolean;
}

function state(): HookState | undefined {
  return (globalThis as Record<symbol, unknown>)[HOOKS_KEY] as HookState | undefined;
}

/** The --unhandled-rejections mode from execArgv or NODE_OPTIONS (the last one given wins). */
function unhandledRejectionsMode(): string {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mode = 'throw';
  for (const flag of flags) {
    const match = /^--unhandled-rejections=(\w[\w-]*)$/.exec(flag);
    if (match) mode = match[1];
  }
  return mode;
}

/** `exiting`: the process goes now (exit, a fatal exception, a signal), so nothing may wait. */
function endRuns(tracker: Tracker, exitCode: number | undefined, error?: unknown, exiting = true): void {
  const signal = state()?.signal;
  flushServingRecords();
  for (const run of tracker.liveRuns()) {
    if (signal) run.finish('CANCELED', { signal, exitCode, exiting });
    else if (error !== undefined) run.finish('FAILED', { error, exiting });
    else if (exitCode !== undefined && exitCode !== 0) run.finish('FAILED', { exitCode, exiting });
    else run.finish('COMPLETE', { exitCode, exiting });
  }
}

function onUncaughtException(error: unknown): void {
  // With an 'uncaughtException' listener the app survives the error; the run goes on.
  if (process.listenerCount('uncaughtException') > 0) return;
  const tracker = existingTracker();
  if (tracker) guard(() => endRuns(tracker, undefined, error));
}

function onUnhandledRejectionWarned(reason: unknown): void {
  // Only installed where our listener changes nothing (--unhandled-rejections=warn or none): the
  // process goes on, so the run is not ended; the rejection is recorded on it.
  const run = existingTracker()?.activeRun();
  if (!run) return;
  const message = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  guard(() => run.setProperties({ [RUN_PROPERTIES.unhandledRejection]: message }));
}

function onBeforeExit(): void {
  const tracker = existingTracker();
  const hooks = state();
  if (!tracker || !hooks) return;
  const live = tracker.liveRuns();
  // beforeExit fires again after our flush empties the loop; only act when there is work.
  if (live.length === 0 && hooks.processEndRecorded) return;
  // Set first: when recording throws (the working directory was deleted, so the spool cannot be
  // made), the next beforeExit must not try again, or the process never exits.
  hooks.processEndRecorded = true;
  guard(() => {
    endRuns(tracker, process.exitCode === undefined ? 0 : Number(process.exitCode), undefined, false);
    tracker.recordProcessEnd({ exitCode: Number(process.exitCode ?? 0), signal: hooks.signal });
  });
  void Promise.all(tracker.storeWriters().map(({ writer }) => writer.flush()));
}

function onExit(code: number): void {
  const tracker = existingTracker();
  const hooks = state();
  if (!tracker || !hooks) return;
  guard(() => {
    const live = tracker.liveRuns();
    endRuns(tracker, code);
    if (live.length > 0 || !hooks.processEndRecorded) {
      hooks.processEndRecorded = true;
      tracker.recordProcessEnd({ exitCode: code, signal: hooks.signal });
    }
    describePendingErrors();
    for (const { writer, ...entry } of tracker.storeWriters()) {
      // A failing store was already reported by the writer, with the spool and the command.
      const reported = writer.stats().storeFailing;
      if (!writer.flushSync() || reported) continue;
      // The store worked until now: write the spooled tail through a short-lived child process
      // (synchronous from here), so the final state is in the store, not only in the spool.
      const failure = entry.openLineage
        ? replaySpoolInChild({ transport: entry.openLineage }, entry.spoolFile)
        : entry.uri === undefined
          ? 'the store was passed in as an object, which another process cannot reopen'
          : replaySpoolInChild({ uri: entry.uri }, entry.spoolFile);
      if (failure === undefined) continue;
      warnSpooled(tracker, entry, `could not write the final records at exit (${failure})`);
    }
    // After the runs are in the store: the recorder's events point at them.
    handOverPendingFiles(tracker);
  });
}

/**
 * Files given to logInput/logOutput whose digest is still in flight go to the detached file
 * recorder, which links them to their runs after this process has gone.
 */
function handOverPendingFiles(tracker: Tracker): void {
  const pending = takePendingFileLinks();
  if (pending.length === 0) return;
  const uris = new Map(tracker.storeWriters().map((entry) => [entry.writer, entry.uri]));
  const links: FileLink[] = [];
  for (const { writer, ...link } of pending) {
    const store = uris.get(writer);
    if (store === undefined) {
      logger.warn(
        `${link.path} was not linked to run ${link.target.name}: its digest was still running at exit, and the run's store was passed in as an object, which another process cannot reopen`,
      );
      continue;
    }
    links.push({ store, ...link });
  }
  if (links.length === 0) return;
  try {
    handOverFileLinks(
      { v: 1, kind: 'links', pid: process.pid, processStart: tracker.startTime, links },
      tracker.config.spoolDir,
    );
  } catch (error) {
    logger.warn(
      `${links.length} file(s) given to logInput/logOutput were still being digested at exit and are not linked:`,
      error,
    );
  }
}

/**
 * The one warning for records that stay in the spool as the process ends: what went wrong,
 * where they are and the command that writes them.
 */
function warnSpooled(
  tracker: Tracker,
  { uri, spoolFile, openLineage }: Omit<StoreWriter, 'writer'>,
  what: string,
): void {
  const command = syncCommand(spoolFile, uri === tracker.config.store || openLineage ? undefined : uri);
  logger.warn(`${what}; they are in the spool ${spoolFile}: run \`${command}\` to write them`);
}

/** After the signal's flush wait ran out: spool what is still queued, synchronously, and say so. */
function spoolAfterTimeout(tracker: Tracker, signal: NodeJS.Signals): void {
  describePendingErrors();
  for (const entry of tracker.storeWriters()) {
    const reported = entry.writer.stats().storeFailing;
    if (!entry.writer.flushSync() || reported) continue;
    warnSpooled(
      tracker,
      entry,
      `the store did not take the final records within ${SIGNAL_FLUSH_MS} ms of ${signal}`,
    );
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const hooks = state();
  const tracker = existingTracker();
  const alone = appListeners(signal) === 0;
  if (hooks?.signal) {
    // A second signal while flushing: stop waiting.
    if (alone) reraise(signal);
    return;
  }
  if (hooks) hooks.signal = signal;
  if (!tracker) {
    if (alone) reraise(signal);
    return;
  }
  // Apps with their own handler decide what the signal means; their exit ends the runs
  // (CANCELED, since a signal was received). Alone, we end them now and die by the signal.
  if (!alone) return;
  guard(() => {
    endRuns(tracker, undefined);
    tracker.recordProcessEnd({ signal });
    if (hooks) hooks.processEndRecorded = true;
  });
  // The process dies by the signal, and no `exit` handler runs then: whatever the store has not
  // taken when the wait ends is spooled synchronously before the signal is raised again.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), SIGNAL_FLUSH_MS);
  });
  // Files still being digested are part of the record: waited for within the deadline, and
  // handed to the file recorder if it runs out.
  const flushed = fileLinksSettled()
    .then(() => Promise.all(tracker.storeWriters().map(({ writer }) => writer.flush())))
    .then(() => true);
  void Promise.race([flushed, deadline]).then((inTime) => {
    clearTimeout(timer);
    if (!inTime)
      guard(() => {
        spoolAfterTimeout(tracker, signal);
        handOverPendingFiles(tracker);
      });
    reraise(signal);
  });
}

function reraise(signal: NodeJS.Signals): void {
  for (const name of STOP_SIGNALS)
    for (const listener of process.listeners(name))
      if (OWN_LISTENER in listener) process.removeListener(name, listener);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    logger.warn('process lifecycle hook failed:', error);
  }
}

/**
 * Tells the hooks that the process end is recorded, so they do not record it again at exit: the
 * file recorder records the ends of processes that already exited, each with its own tracker.
 */
export function markProcessEndRecorded(): void {
  const hooks = state();
  if (hooks) hooks.processEndRecorded = true;
}

/** Install the hooks once per process (idempotent across the ESM and CJS builds). */
export function installProcessHooks(): void {
  const scope = globalThis as Record<symbol, unknown>;
  if (scope[HOOKS_KEY]) return;
  scope[HOOKS_KEY] = { processEndRecorded: false } satisfies HookState;
  process.on('uncaughtExceptionMonitor', onUncaughtException);
  const mode = unhandledRejectionsMode();
  if (mode === 'warn' || mode === 'none') process.on('unhandledRejection', onUnhandledRejectionWarned);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  (onSignal as unknown as Record<symbol, boolean>)[OWN_LISTENER] = true;
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}
