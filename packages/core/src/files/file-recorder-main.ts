/**
 * The detached child that records, after a process under the preload hook exited, the files it
 * read and wrote: an `mlmeta.Script` execution on that process's context (and pipeline run),
 * each file an input or output identified by its digest. It also finishes the links of files
 * given to a tracker's logInput/logOutput whose digest was still in flight when a process
 * exited (file-link-job.ts). Nothing of this runs in the recorded
 * process, which only wrote the job file and started this child (so file capture costs it a
 * spawn, not a store, a tracker and the digests). Usage: node file-recorder.js <job.json> [<log>]
 * (the log is its stderr, removed when nothing was written to it).
 */
import { renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { loadConfig } from '../config/config.js';
import { logger } from '../log.js';
import { MLMETA_TYPES } from '../model/base-types.js';
import type { OpenLineageRun } from '../openlineage/run-events.js';
import { ArtifactLinker } from '../tracker/artifact-link.js';
import { installTracker, Tracker } from '../tracker/tracker.js';
import { flushDigestCache } from './digest-cache.js';
import type { FileLink, FileLinkJob } from './file-link-job.js';
import { RUN_CONTEXT_ENV, readFileJob, recorderPidFile } from './file-record-job.js';

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
  await Promise.all(tracker.storeWriters().map(({ writer }) => writer.flush()));
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
  await Promise.all(tracker.storeWriters().map(({ writer }) => writer.flush()));
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

const [jobFile, logFile] = process.argv.slice(2);
if (jobFile) {
  record(jobFile)
    .catch((error) => logger.warn('recording the files of an exited process failed:', error))
    .finally(() => {
      removeIfEmpty(jobFile, true);
      removeIfEmpty(recorderPidFile(jobFile), true);
      process.once('exit', () => removeIfEmpty(logFile));
    });
}
