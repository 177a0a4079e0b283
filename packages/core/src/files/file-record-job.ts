/**
 * The hand-over between a process under the preload hook and the detached child that records its
 * files after it exited (see file-recorder-main.ts): one JSON job file per process under
 * `<spool>/file-records/`, which the child deletes once the records are in the store (or in its
 * spool), with `<job>.pid` beside it naming who works on it (created exclusively: whoever
 * creates it owns the job). Readers that want a complete store (the CLI) wait while job files
 * exist whose child is alive, and restart the child of one whose child died.
 *
 * A child that has recorded its job stays a while as the spool's serving recorder
 * (`recorder.pid`: its pid and the fingerprint of the environment it records with, touched
 * every second), and takes the jobs of later processes with the same fingerprint: those write
 * their job and start nothing, so a pipeline's steps pay neither a spawn at exit nor a child
 * that loads core and opens the store again. The order of the steps makes the hand-over safe:
 * a process renames its job into place before it looks for a serving recorder, and the serving
 * recorder gives up `recorder.pid` before its last look for jobs, so every job is seen either by
 * that look or by a process that then starts a child of its own.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { builtWorkerScript } from '../worker/worker-thread.js';
import { lazySchema, zod } from '../zod.js';
import type { FileLinkJob } from './file-link-job.js';

/** What a process used, as the child records it. */
export interface FileRecordJob {
  v: 1;
  /** The recorded process's argv (its entry script names the run and is digested as its code). */
  argv: string[];
  pid: number;
  /** The start time its process context is named by (its tracker's, when it had one). */
  processStart: number;
  /** When it used its first file. */
  runStart: number;
  endTime: number;
  /** 128 + the signal's number when a signal stopped it. */
  exitCode: number;
  /** The SIGINT/SIGTERM it received, if any: its run is CANCELED. */
  signal?: string;
  /** It had its own tracker, which records the process's end. */
  endRecordedElsewhere: boolean;
  files: Array<{ path: string; use: 'read' | 'written' }>;
  /** The recorded process's RUN_CONTEXT_ENV variables that were set (absent in older jobs). */
  env?: Record<string, string>;
  /**
   * The fingerprint of the environment the job is to be recorded with: a serving recorder takes
   * only jobs with its own (absent: only a child started for this job records it).
   */
  serve?: string;
}

/**
 * The variables that say where a run is filed: experiment, name, tags, pipeline. A job carries
 * the recorded process's, so a recorder restarted by another process files the run as the
 * recorded process would have.
 */
export const RUN_CONTEXT_ENV = [
  'MLMETA_EXPERIMENT',
  'MLMETA_RUN_NAME',
  'MLMETA_TAGS',
  'MLMETA_PIPELINE',
  'MLMETA_PIPELINE_RUN',
] as const;

const RecordJobSchema = lazySchema(() =>
  zod.object({
    v: zod.literal(1),
    argv: zod.array(zod.string()),
    pid: zod.number().int(),
    processStart: zod.number(),
    runStart: zod.number(),
    endTime: zod.number(),
    exitCode: zod.number().int(),
    signal: zod.string().optional(),
    endRecordedElsewhere: zod.boolean(),
    files: zod.array(zod.object({ path: zod.string(), use: zod.enum(['read', 'written']) })),
    env: zod.record(zod.string(), zod.string()).optional(),
    serve: zod.string().optional(),
  }),
);

// The links' artifacts and targets were built by core's own tracker a moment before: their
// shape is checked where they are used; here, that the job is whole.
const LinkJobSchema = lazySchema(() =>
  zod.object({
    v: zod.literal(1),
    kind: zod.literal('links'),
    pid: zod.number().int(),
    processStart: zod.number(),
    links: zod.array(
      zod.looseObject({
        store: zod.string(),
        path: zod.string(),
        event: zod.string(),
        defaultType: zod.string(),
        target: zod.looseObject({ externalId: zod.string() }),
        artifact: zod.looseObject({}),
      }),
    ),
  }),
);

/**
 * The job in `file`, or an Error that says what is wrong with it (cut short by a kill while it
 * was written, or not a job at all).
 *
 * @example
 * const job = readFileJob('.mlmeta/spool/file-records/4242-1764680000000.json');
 * if (job instanceof Error) console.warn(job.message);
 */
export function readFileJob(file: string): FileRecordJob | FileLinkJob | Error {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return new Error(`${file} is not a complete job file (${(error as Error).message})`);
  }
  const kind = typeof value === 'object' && value !== null && 'kind' in value;
  const parsed = (kind ? LinkJobSchema : RecordJobSchema).safeParse(value);
  if (parsed.success) return parsed.data as FileRecordJob | FileLinkJob;
  const issue = parsed.error.issues[0];
  return new Error(`${file} is not a valid job file: ${issue?.path.join('.') || 'job'}: ${issue?.message}`);
}

/**
 * Writes a job whole under a temporary name and renames it into place, so that a reader (the
 * recorder child, a waiting command) never finds half of one, even when the writer is killed.
 *
 * @example
 * writeFileJob(join(fileRecordsDir('.mlmeta/spool'), '4242-1764680000000.json'), job);
 */
export function writeFileJob(file: string, job: FileRecordJob | FileLinkJob): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, JSON.stringify(job));
  renameSync(partial, file);
}

/** The folder of job files for a spool folder. */
export function fileRecordsDir(spoolDir: string): string {
  return join(resolve(spoolDir), 'file-records');
}

/**
 * A job whose recorder still looks alive after this long is not waited for: its pid is more
 * likely another process's by now.
 */
const STALE_MS = 120_000;

/** The file next to a job that names the pid of the recorder child working on it. */
export function recorderPidFile(job: string): string {
  return job.replace(/\.json$/, '.pid');
}

/** The serving recorder's file in a job folder (see the module's comment). */
export function servingRecorderFile(dir: string): string {
  return join(dir, 'recorder.pid');
}

/**
 * A serving recorder that has not touched its file for this long is gone (hung, or its pid is
 * another process's by now), whatever `kill(pid, 0)` says. It touches it every second.
 */
export const SERVING_STALE_MS = 5_000;

/** The live serving recorder of a job folder, if one is there. */
export function servingRecorder(dir: string): { pid: number; fingerprint: string } | undefined {
  try {
    const file = servingRecorderFile(dir);
    if (Date.now() - statSync(file).mtimeMs > SERVING_STALE_MS) return undefined;
    const [pid, fingerprint = ''] = readFileSync(file, 'utf8').trim().split(' ');
    const number = Number(pid);
    return Number.isInteger(number) && number > 0 && alive(number) ? { pid: number, fingerprint } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the job is being worked on: its recorder child's pid file names a live process, or,
 * before there is one, the serving recorder (fingerprint `serving`) is there for it, or the
 * process that wrote the job (the pid its name starts with) is still handing it over.
 */
function inHand(job: string, name: string, serving: string | undefined): boolean {
  let pid = Number.NaN;
  try {
    pid = Number(readFileSync(recorderPidFile(job), 'utf8'));
  } catch {
    // Not claimed yet: the serving recorder takes it if it is for its environment; else its
    // writer is still handing it over (read only in this short-lived state).
    if (serving !== undefined) {
      const read = readFileJob(job);
      if (!(read instanceof Error) && 'serve' in read && read.serve === serving) return true;
    }
    pid = Number(name.split('-')[0]);
  }
  return !Number.isInteger(pid) || pid <= 0 || alive(pid);
}

/**
 * Starts the detached recorder child for `job` and notes its pid next to the job, synchronously
 * (a process hands its job over in `exit`). Throws when it cannot; the caller turns that into
 * its one warning.
 *
 * @example
 * startFileRecorder(join(fileRecordsDir('.mlmeta/spool'), '4242-1764680000000.json'));
 */
export function startFileRecorder(job: string, env: NodeJS.ProcessEnv = process.env): void {
  const script = builtWorkerScript('file-recorder');
  if (!script)
    throw new Error('the file recorder script is missing next to @mlmeta/core (core is bundled or unbuilt)');
  // Its warnings go to a log next to the job (removed when empty): the terminal is this process's.
  const log = job.replace(/\.json$/, '.log');
  const logFd = openSync(log, 'a');
  try {
    // The recorder is not a program of the user's: no preload hook records it.
    const child = spawn(process.execPath, [script, job, log], {
      detached: true,
      stdio: ['ignore', 'ignore', logFd],
      env: { ...env, NODE_OPTIONS: '' },
      cwd: process.cwd(),
    });
    child.unref();
    if (child.pid !== undefined) writeFileSync(recorderPidFile(job), String(child.pid));
  } finally {
    closeSync(logFd);
  }
}

/** What waitForFileRecords does about a job whose recorder died (killed, out of memory). */
export interface DeadRecorderOptions {
  /**
   * Start a new recorder for it (with this environment over the process's own: MLMETA_STORE
   * names the store it writes), and wait for that one; otherwise it is not waited for.
   */
  restart?: { env?: NodeJS.ProcessEnv };
  /** Told of each such job (its path), once per wait (a job is restarted at most once per wait). */
  onDead?: (job: string) => void;
}

/**
 * Resolves when no job file is left in `spoolDir` that a live recorder is working on (every
 * exited process's files are recorded), or after `timeoutMs`; resolves with how many are still
 * pending. A job whose recorder child died is seen at once (its pid file names a process that is
 * gone) and restarted or left, as `options` says.
 *
 * @example
 * await waitForFileRecords('.mlmeta/spool', 10_000, { restart: {}, onDead: (job) => console.warn(job) });
 */
export async function waitForFileRecords(
  spoolDir: string,
  timeoutMs: number,
  options: DeadRecorderOptions = {},
): Promise<number> {
  const dir = fileRecordsDir(spoolDir);
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  for (;;) {
    let pending = 0;
    try {
      const serving = servingRecorder(dir)?.fingerprint;
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.json')) continue;
        const job = join(dir, name);
        try {
          const recent = Date.now() - statSync(job).mtimeMs < STALE_MS;
          if (inHand(job, name, serving)) {
            if (recent) pending++;
            continue;
          }
          // Once per wait: a recorder that dies again on the same job is not restarted in a loop.
          if (seen.has(job)) continue;
          seen.add(job);
          options.onDead?.(job);
          if (options.restart) {
            // Not claimed yet (its writer died before it could start a child): claimed here
            // first, so a serving recorder looking at the same moment leaves it alone.
            const claim = recorderPidFile(job);
            if (!existsSync(claim)) writeFileSync(claim, String(process.pid), { flag: 'wx' });
            // Touched, so a restarted job gets the full STALE_MS again.
            utimesSync(job, new Date(), new Date());
            startFileRecorder(job, { ...process.env, ...options.restart.env });
            pending++;
          }
        } catch {
          // Deleted while listed (done), or no recorder can start here: not waited for.
        }
      }
    } catch {
      return 0;
    }
    if (pending === 0 || Date.now() >= deadline) return pending;
    await new Promise((done) => setTimeout(done, 50));
  }
}
