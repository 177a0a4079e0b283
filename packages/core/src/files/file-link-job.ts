/**
 * Files given to `run.logInput` / `logOutput` whose digest is still in flight when the process
 * exits (by `process.exit()`, or when the signal path's wait runs out): nothing asynchronous
 * runs any more, so the links are written to a job file next to the file-capture jobs and the
 * detached file recorder (file-recorder-main.ts) digests the files and writes the artifacts,
 * events and model versions on the runs that asked for them. Readers wait for these job files
 * as for the others (waitForFileRecords).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventTypeName } from '../model/enums.js';
import type { ArtifactRecord } from '../tracker/api.js';
import type { LinkTarget } from '../tracker/artifact-link.js';
import { fileRecordsDir, startFileRecorder, writeFileJob } from './file-record-job.js';

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

/**
 * Writes the job and starts the detached recorder, synchronously (this runs in `exit`). Throws
 * when it cannot; the caller turns that into its one warning.
 *
 * @example
 * handOverFileLinks({ v: 1, kind: 'links', pid: process.pid, processStart, links }, '.mlmeta/spool');
 */
export function handOverFileLinks(job: FileLinkJob, spoolDir: string): void {
  const dir = fileRecordsDir(spoolDir);
  const file = join(dir, `${job.pid}-${job.processStart}-links.json`);
  mkdirSync(dir, { recursive: true });
  writeFileJob(file, job);
  startFileRecorder(file);
}
