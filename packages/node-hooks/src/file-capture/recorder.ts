/**
 * Collects the files a program used and, when it exits (naturally, by process.exit(), by an
 * uncaught exception, or by a SIGINT/SIGTERM it does not handle itself), hands them to a
 * detached child (@mlmeta/core's file-recorder) that digests them and records the process's
 * `mlmeta.Script` execution with each file as an input (read) or an output (written),
 * identified by content. So the program itself never loads
 * mlmeta's core, opens a store or hashes a byte for its files: its cost is the fs wrappers, a
 * map of names per folder (file-uses.ts) and one spawn at exit.
 */
import type { SpawnOptions } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadModule } from '../instrumentation.js';
import { FileUses } from './file-uses.js';
import type { PathFilter } from './filter.js';
import { type FileSink, type FileUse, pathString } from './instrumentation.js';

type Require = LoadModule & { resolve?: (id: string) => string };
type Fs = typeof import('node:fs');
type ChildProcesses = typeof import('node:child_process');

/**
 * Marks mlmeta's own signal listeners (this one and @mlmeta/core's lifecycle hook, which cannot
 * share code with this preload-time module), so that each counts only the app's listeners when
 * it decides whether the signal ends the process.
 */
const OWN_LISTENER = Symbol.for('mlmeta.signalListener');

/** The variables that say where a run is filed (the same list as core's RUN_CONTEXT_ENV). */
const RUN_CONTEXT_ENV = [
  'MLMETA_EXPERIMENT',
  'MLMETA_RUN_NAME',
  'MLMETA_TAGS',
  'MLMETA_PIPELINE',
  'MLMETA_PIPELINE_RUN',
] as const;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Tells the child it may serve later jobs with this fingerprint (core's file-recorder-main). */
const FINGERPRINT_ENV = 'MLMETA_RECORDER_FINGERPRINT';
/** core's SERVING_STALE_MS: a serving recorder touches its file every second. */
const SERVING_STALE_MS = 5_000;

/**
 * The environment a recorder records with, as a short hash: a serving recorder takes only the
 * jobs of processes whose fingerprint is its own, since it records them with its environment
 * (store, OpenLineage, capture settings). What varies per step (RUN_CONTEXT_ENV) travels in the
 * job instead. FNV-1a over the sorted variables, the working directory and node: no secret is
 * written, only this hash.
 */
function fingerprintOf(env: NodeJS.ProcessEnv): string {
  const skip = new Set<string>([...RUN_CONTEXT_ENV, FINGERPRINT_ENV]);
  const text = [
    process.cwd(),
    process.execPath,
    ...Object.keys(env)
      .filter((name) => !skip.has(name))
      .sort()
      .map((name) => `${name}=${env[name]}`),
  ].join('\0');
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x01000193 + 2) >>> 0;
  }
  return `${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')}`;
}

const appListeners = (signal: NodeJS.Signals) =>
  process.listeners(signal).filter((listener) => !(OWN_LISTENER in listener)).length;

/**
 * What file capture offers other instrumentation of the process, on globalThis under
 * `Symbol.for('mlmeta.fileCapture')`: tfjs's save and load ask which files one call wrote or
 * read, so that a saved model is the same node as the folder the process is recorded writing.
 */
export interface FileCaptureApi {
  /**
   * Calls `observer` with each recorded use of a file called `name` (e.g. `model.json`), by its
   * absolute path, from now on; returns the unsubscribe. Only those uses pay for resolving their
   * path: every other fs call stays on the cheap path.
   */
  observe(name: string, observer: FileSink): () => void;
}

/** Where FileCaptureApi lives on globalThis. */
export const FILE_CAPTURE_API = Symbol.for('mlmeta.fileCapture');

export class FileRecorder {
  /** Others told of the uses of files by these names as they happen (see FileCaptureApi). */
  private readonly observers = new Map<string, Set<FileSink>>();
  private readonly uses: FileUses;
  private firstUse: number | undefined;
  /** The SIGINT/SIGTERM received, if any: the run is CANCELED however the process then ends. */
  private signal: NodeJS.Signals | undefined;
  private done = false;

  /**
   * @param originals fs functions from before the patches, so the hand-over is not recorded.
   */
  constructor(
    private readonly load: Require,
    private readonly originals: Pick<
      Fs,
      'writeFileSync' | 'readFileSync' | 'mkdirSync' | 'openSync' | 'closeSync'
    >,
    filter: PathFilter,
    /** The recorder child's entry in this package (see installFileCapture), if known. */
    private readonly recorderStart?: string,
  ) {
    this.uses = new FileUses(filter);
    process.on('exit', (code) => this.handOver(code));
    const onSignal = Object.assign((signal: NodeJS.Signals) => this.stopped(signal), {
      [OWN_LISTENER]: true,
    });
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  }

  /**
   * SIGINT/SIGTERM. An app with a handler of its own decides what the signal means (and its
   * exit hands over). Otherwise the process would die without an `exit` event: hand over now,
   * then die by the signal as it would have, unless core's lifecycle hook is listening too (a
   * tracker's runs are flushing), in which case that hook raises the signal again when done.
   */
  private stopped(signal: NodeJS.Signals): void {
    this.signal ??= signal;
    if (appListeners(signal) > 0) return;
    this.handOver(128 + (constants.signals[signal] ?? 0));
    if (process.listenerCount(signal) > 1) return;
    for (const name of STOP_SIGNALS)
      for (const listener of process.listeners(name))
        if (OWN_LISTENER in listener) process.removeListener(name, listener);
    process.kill(process.pid, signal);
  }

  /** See FileCaptureApi. */
  observe(name: string, observer: FileSink): () => void {
    let watching = this.observers.get(name);
    if (!watching) {
      watching = new Set();
      this.observers.set(name, watching);
    }
    watching.add(observer);
    return () => {
      watching.delete(observer);
      if (watching.size === 0) this.observers.delete(name);
    };
  }

  /**
   * A file was read or written: `target` is the path argument as given (see UseSink). Bound, so
   * the fs wrappers call it directly (one call less on the hot path).
   */
  readonly use = (target: unknown, use: FileUse): void => {
    if (this.done || !this.uses.add(target, use)) return;
    this.firstUse ??= Date.now();
    if (this.observers.size > 0) this.tell(target, use);
  };

  /** Tells the observers of this file's name, with its absolute path. */
  private tell(target: unknown, use: FileUse): void {
    const path = pathString(target);
    if (path === undefined) return;
    const watching = this.observers.get(basename(path));
    if (!watching) return;
    const absolute = resolve(path);
    for (const observer of watching) {
      try {
        observer(absolute, use);
      } catch {
        // An observer's failure is its own; the use is still recorded.
      }
    }
  }

  /** At exit: the job file, then the detached child. Synchronous, as `exit` requires. */
  private handOver(exitCode: number): void {
    if (this.done) return;
    this.done = true;
    if (this.uses.empty) return;
    try {
      const script = this.recorderScript();
      if (!script) return;
      const spoolDir = resolve(process.env.MLMETA_SPOOL_DIR?.trim() || join('.mlmeta', 'spool'));
      const dir = join(spoolDir, 'file-records');
      const tracker = (globalThis as Record<symbol, unknown>)[Symbol.for('mlmeta.tracker')] as
        | { startTime: number }
        | undefined;
      const processStart = tracker?.startTime ?? Math.round(performance.timeOrigin);
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
      // The pipeline run a step belongs to defaults to its parent process: this process's.
      if (env.MLMETA_PIPELINE?.trim() && !env.MLMETA_PIPELINE_RUN?.trim())
        env.MLMETA_PIPELINE_RUN = `${hostname()}:${process.ppid}`;
      const job = {
        v: 1,
        argv: process.argv,
        // What files the run under (core's RUN_CONTEXT_ENV): a recorder restarted by another
        // process (a CLI that found this one's recorder dead) must not use that process's.
        env: Object.fromEntries(
          RUN_CONTEXT_ENV.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])),
        ),
        pid: process.pid,
        processStart,
        runStart: this.firstUse ?? processStart,
        endTime: Date.now(),
        exitCode,
        ...(this.signal ? { signal: this.signal } : {}),
        endRecordedElsewhere: tracker !== undefined,
        files: this.uses.files(),
        serve: fingerprintOf(env),
      };
      const file = join(dir, `${process.pid}-${processStart}.json`);
      this.originals.mkdirSync(dir, { recursive: true });
      // Whole under another name, then renamed (core's writeFileJob, which this preload-time
      // module cannot import): a kill mid-write leaves no half job for a reader to find.
      const partial = `${file}.partial`;
      this.originals.writeFileSync(partial, JSON.stringify(job));
      renameSync(partial, file);
      // In place before the look for a serving recorder, which takes it (core's
      // file-record-job.ts says why no job is missed): nothing to start.
      if (this.served(dir, job.serve)) return;
      // Claimed before the child exists, so a serving recorder looking now leaves it alone.
      const claim = file.replace(/\.json$/, '.pid');
      try {
        this.originals.writeFileSync(claim, String(process.pid), { flag: 'wx' });
      } catch {
        return; // A serving recorder claimed it a moment ago.
      }
      env[FINGERPRINT_ENV] = job.serve;
      const { spawn } = this.load('node:child_process') as ChildProcesses;
      // Its warnings go to a log next to the job (removed when empty): the terminal is this process's.
      const log = file.replace(/\.json$/, '.log');
      const logFd = this.originals.openSync(log, 'a');
      const options: SpawnOptions = {
        detached: true,
        stdio: ['ignore', 'ignore', logFd],
        env,
        cwd: process.cwd(),
      };
      try {
        const child = spawn(process.execPath, [script, file, log], options);
        child.unref();
        // Who works on the job (core's recorderPidFile): a reader that finds this pid gone knows
        // the child died and restarts it, instead of waiting for a job nobody will finish.
        if (child.pid !== undefined) this.originals.writeFileSync(claim, String(child.pid));
      } finally {
        this.originals.closeSync(logFd);
      }
    } catch (error) {
      try {
        process.stderr.write(
          `[mlmeta] warn: the files this process used are not recorded: ${(error as Error)?.message ?? error}\n`,
        );
      } catch {
        // stderr is gone.
      }
    }
  }

  /** Whether a live serving recorder with this fingerprint serves the job folder `dir`. */
  private served(dir: string, fingerprint: string): boolean {
    try {
      const file = join(dir, 'recorder.pid');
      if (Date.now() - statSync(file).mtimeMs > SERVING_STALE_MS) return false;
      const [pid, theirs] = String(this.originals.readFileSync(file, 'utf8')).trim().split(' ');
      const number = Number(pid);
      if (theirs !== fingerprint || !Number.isInteger(number) || number <= 0) return false;
      process.kill(number, 0);
      return true;
    } catch {
      return false; // None, gone, or not ours to signal.
    }
  }

  /**
   * The child's script: this package's recorder-start (which resolves core in the child), else
   * core's built file-recorder, next to the core entry this hook resolves.
   */
  private recorderScript(): string | undefined {
    if (this.recorderStart && existsSync(this.recorderStart)) return this.recorderStart;
    const entry = this.load.resolve?.('@mlmeta/core');
    if (!entry) return undefined;
    for (const name of ['file-recorder.js', 'file-recorder.cjs']) {
      const script = join(dirname(entry), name);
      if (existsSync(script)) return script;
    }
    return undefined;
  }
}
