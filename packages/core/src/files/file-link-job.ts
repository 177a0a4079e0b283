/**
 * Files given to `run.logInput` / `logOutput` whose digest is still in flight when the process
 * exits (by `process.exit()`, or when the signal path's wait runs out): nothing asynchronous
 * runs any more, so the links are written to a job file next to the file-capture jobs and the
 * detached file recorder (file-recorder-main.ts) digests the files and writes the artifacts,
 * events and model versions on the runs that asked for them. Readers wait for these job files
 * as for the others (waitForFileRecords).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { EventTypeName } from '../model/enums.js';
import type { ArtifactRecord } from '../tracker/api.js';
import type { LinkTarget } from '../tracker/artifact-link.js';
import { builtWorkerScript } from '../worker/worker-thread.js';
import { fileRecordsDir, writeFileJob } from './file-record-job.js';

/** One link the recorder finishes: the file, the run, and the store that run writes to. */
export interface FileLink {
  store: string;
  target: LinkTarget;
  path: string;
  artifact: ArtifactRecord;
  event: EventTypeName;
  defaultType: string;
}

/** The job file's content. */
export interface FileLinkJob {
  v: 1;
  kind: 'links';
  pid: number;
  /** The start time of the process's tracker (its process context's name). */
  processStart: number;
  links: FileLink[];
}

/** The built file recorder next to this build of core (tsup entry `file-recorder`), if any. */
function recorderScript(): string | undefined {
  return builtWorkerScript('file-recorder');
}

/**
 * Writes the job and starts the detached recorder, synchronously (this runs in `exit`). Throws
 * when it cannot; the caller turns that into its one warning.
 *
 * @example
 * handOverFileLinks({ v: 1, kind: 'links', pid: process.pid, processStart, links }, '.mlmeta/spool');
 */
export function handOverFileLinks(job: FileLinkJob, spoolDir: string): void {
  const script = recorderScript();
  if (!script)
    throw new Error('the file recorder script is missing next to @mlmeta/core (core is bundled or unbuilt)');
  const dir = fileRecordsDir(spoolDir);
  const file = join(dir, `${job.pid}-${job.processStart}-links.json`);
  mkdirSync(dir, { recursive: true });
  writeFileJob(file, job);
  // Its warnings go to a log next to the job (removed when empty): the terminal is this process's.
  const log = file.replace(/\.json$/, '.log');
  const logFd = openSync(log, 'a');
  try {
    // The recorder is not a program of the user's: no preload hook records it.
    spawn(process.execPath, [script, file, log], {
      detached: true,
      stdio: ['ignore', 'ignore', logFd],
      env: { ...process.env, NODE_OPTIONS: '' },
      cwd: process.cwd(),
    }).unref();
  } finally {
    closeSync(logFd);
  }
}
