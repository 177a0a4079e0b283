/**
 * The detached child that records, after a process under the preload hook exited, the files it
 * read and wrote: an `mlmeta.Script` execution on that process's context (and pipeline run),
 * each file an input or output identified by its digest. It also finishes the links of files
 * given to a tracker's logInput/logOutput whose digest was still in flight when a process
 * exited (file-link-job.ts). Nothing of this runs in the recorded
 * process, which only wrote the job file and started this child (so file capture costs it a
 * spawn, not a store, a tracker and the digests). Usage: node file-recorder.js <job.json> [<log>]
 * (the log is its stderr, removed when nothing was written to it). Started with
 * MLMETA_RECORDER_FINGERPRINT, it then stays as the folder's serving recorder and records the
 * jobs of later processes with that fingerprint (file-record-job.ts), its log renamed
 * `recorder-<pid>.log`.
 */
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { logger } from '../log.js';
import { MLMETA_TYPES } from '../model/base-types.js';
import type { OpenLineageRun } from '../openlineage/run-events.js';
import { ArtifactLinker } from '../tracker/artifact-link.js';
import { markProcessEndRecorded } from '../tracker/lifecycle.js';
import { installTracker, Tracker } from '../tracker/tracker.js';
import { flushDigestCache } from './digest-cache.js';
import type { FileLink, FileLinkJob } from './file-link-job.js';
import {
  RUN_CONTEXT_ENV,
  readFileJob,
  recorderPidFile,
  servingRecorder,
  servingRecorderFile,
} from './file-record-job.js';

/** The files of a tracker's runs, digested here and written on those runs. */
async function recordLinks(job: FileLinkJob): Promise<void> {
  const config = loadConfig();
  if (config.disabled) return;
  const tracker = installTracker(
    new Tracker(config, { pid: job.pid, startTime: job.processStart, endRecordedElsewhere: true }),
  );
  // Each run's files also reach its OpenLineage events, as one OTHER event per run.
  const lineage = new Map<string, OpenLineageRun | undefined>();
  const lineageOf = (target: FileLink['target']) => {
    if (!lineage.has(target.externalId))
      lineage.set(target.externalId, tracker.openLineageRunOf(target.openLineage));
    return lineage.get(target.externalId);
  };
  await Promise.all(
    job.links.map(({ store, ...link }) => {
      const { writer } = tracker.storeWriter(store);
      return new ArtifactLinker(writer, link.target, lineageOf(link.target)).linkFile({ writer, ...link });
    }),
  );
  for (const run of lineage.values()) run?.amend();
  // Closed, not only flushed: a serving recorder must not hold a connection between jobs.
  await Promise.all(tracker.storeWriters().map(({ writer }) => writer.close()));
  await flushDigestCache();
}

async function record(jobFile: string): Promise<void> {
  const read = readFileJob(jobFile);
  if (read instanceof Error) {
    // Kept aside (not .json, so nothing waits for it) for whoever wants to look at it.
    const aside = jobFile.replace(/\.json$/, '.invalid');
    renameSync(jobFile, aside);
    logger.warn(`${read.message}; nothing of it is recorded, the file is kept as ${aside}`);
    return;
  }
  if ('kind' in read) return recordLinks(read);
  const job = read;
  // The entry script names the run and its experiment, and is digested as its code.
  process.argv = job.argv;
  // Filed where the recorded process would file it, whoever started this recorder.
  if (job.env !== undefined)
    for (const name of RUN_CONTEXT_ENV) {
      const value = job.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  const config = loadConfig();
  if (config.disabled) return;
  const tracker = installTracker(
    new Tracker(config, {
      pid: job.pid,
      startTime: job.processStart,
      ending: job.signal ? { signal: job.signal } : { exitCode: job.exitCode },
      endTime: job.endTime,
      endRecordedElsewhere: job.endRecordedElsewhere,
    }),
  );
  const entry = job.argv[1];
  const run = tracker.startRun({
    type: MLMETA_TYPES.script,
    startTime: job.runStart,
    // MLMETA_RUN_NAME, else the entry script's name ('prepare' for prepare.mjs).
    ...(config.runName ? {} : entry ? { name: basename(entry, extname(entry)) } : {}),
  });
  for (const file of job.files) {
    const artifact = { uri: file.path, role: basename(file.path) };
    if (file.use === 'read') run.logInput(artifact);
    else run.logOutput(artifact);
  }
  if (job.signal) run.finish('CANCELED', { signal: job.signal, endTime: job.endTime });
  else
    run.finish(job.exitCode === 0 ? 'COMPLETE' : 'FAILED', { exitCode: job.exitCode, endTime: job.endTime });
  await run.end();
  tracker.recordProcessEnd({});
  // Not again at this recorder's own exit (by then, with another time).
  markProcessEndRecorded();
  // Closed, not only flushed: a serving recorder must not hold a connection between jobs.
  await Promise.all(tracker.storeWriters().map(({ writer }) => writer.close()));
  await flushDigestCache();
}

function removeIfEmpty(file: string | undefined, always = false): void {
  if (!file) return;
  try {
    if (always || statSync(file).size === 0) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** Records one job (claimed for this process) and removes it and its claim. */
async function recordAndRemove(jobFile: string): Promise<void> {
  try {
    await record(jobFile);
  } catch (error) {
    logger.warn('recording the files of an exited process failed:', error);
  } finally {
    removeIfEmpty(jobFile, true);
    removeIfEmpty(recorderPidFile(jobFile), true);
  }
}

/** How long a serving recorder waits for another job before it goes; how often it looks. */
const SERVE_IDLE_MS = 10_000;
const SERVE_POLL_MS = 100;
const HEARTBEAT_MS = 1_000;

/** Makes this process the folder's serving recorder: false when a live one is there. */
function claimServing(dir: string, fingerprint: string): boolean {
  const file = servingRecorderFile(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid} ${fingerprint}\n`, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      // Left by a recorder that died or hung: not a live one.
      if (servingRecorder(dir) !== undefined) return false;
      removeIfEmpty(file, true);
    }
  }
  return false;
}

/** Gives up the serving recorder's file, if it is still this process's. */
function releaseServing(dir: string): void {
  const file = servingRecorderFile(dir);
  try {
    if (readFileSync(file, 'utf8').split(' ')[0] === String(process.pid)) unlinkSync(file);
  } catch {
    // Gone already.
  }
}

/** The unclaimed jobs for this fingerprint, each claimed for this process as it is found. */
function claimJobs(dir: string, fingerprint: string): string[] {
  const claimed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const job = join(dir, name);
    if (existsSync(recorderPidFile(job))) continue;
    const read = readFileJob(job);
    // Another environment's job (its writer starts a child for it), or not whole: not ours.
    if (read instanceof Error || !('argv' in read) || read.serve !== fingerprint) continue;
    try {
      writeFileSync(recorderPidFile(job), String(process.pid), { flag: 'wx' });
      claimed.push(job);
    } catch {
      // Claimed by another a moment ago.
    }
  }
  return claimed;
}

/**
 * Serves the job folder: takes the jobs of later processes with the same environment until
 * none has come for SERVE_IDLE_MS (see file-record-job.ts for why no job falls between).
 */
async function serve(dir: string, fingerprint: string): Promise<void> {
  if (!claimServing(dir, fingerprint)) return;
  let lastWork = Date.now();
  // Also while a job is recorded (a digest of a large file takes seconds, in a worker thread).
  const heartbeat = setInterval(() => {
    try {
      utimesSync(servingRecorderFile(dir), new Date(), new Date());
    } catch {
      // Given up, or the folder is gone: the loop finds out.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    for (;;) {
      const jobs = claimJobs(dir, fingerprint);
      for (const job of jobs) await recordAndRemove(job);
      if (jobs.length > 0) lastWork = Date.now();
      if (Date.now() - lastWork >= SERVE_IDLE_MS) {
        releaseServing(dir);
        // The last look, after giving up the file: a job renamed into place before its writer
        // found no serving recorder is seen here, or by the child that writer starts.
        const late = claimJobs(dir, fingerprint);
        for (const job of late) await recordAndRemove(job);
        if (late.length === 0 || !claimServing(dir, fingerprint)) return;
        lastWork = Date.now();
      }
      await new Promise((done) => setTimeout(done, SERVE_POLL_MS));
    }
  } catch (error) {
    // The folder is gone (a test's temporary project), or the disk: stop serving.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn('the file recorder stopped taking jobs:', error);
  } finally {
    clearInterval(heartbeat);
    releaseServing(dir);
  }
}

const [jobFile, logFile] = process.argv.slice(2);
if (jobFile) {
  // Started by a recorded process with the fingerprint of its environment: serve after its job.
  const fingerprint = process.env.MLMETA_RECORDER_FINGERPRINT?.trim();
  delete process.env.MLMETA_RECORDER_FINGERPRINT;
  recordAndRemove(jobFile)
    .then(async () => {
      if (!fingerprint) return;
      // The log is this process's, no longer the first job's (a reader waits for job logs).
      let log = logFile;
      if (logFile) {
        log = join(dirname(logFile), `recorder-${process.pid}.log`);
        try {
          renameSync(logFile, log);
        } catch {
          log = logFile;
        }
      }
      process.once('exit', () => removeIfEmpty(log));
      await serve(dirname(jobFile), fingerprint);
      // Done serving, every job's writers closed: a handle a job's tracker left open (a capture
      // worker) must not keep this process.
      process.exit(0);
    })
    .finally(() => {
      if (!fingerprint) process.once('exit', () => removeIfEmpty(logFile));
    });
}
