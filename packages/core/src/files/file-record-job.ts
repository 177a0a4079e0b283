/**
 * The hand-over between a process under the preload hook and the detached child that records its
 * files after it exited (see file-recorder-main.ts): one JSON job file per process under
 * `<spool>/file-records/`, which the child deletes once the records are in the store (or in its
 * spool). Readers that want a complete store (the CLI) wait while recent job files exist.
 */
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
}

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

/** A job file older than this is a child that died: no longer waited for. */
const STALE_MS = 120_000;

/**
 * Resolves when no recent job file is left in `spoolDir` (every exited process's files are
 * recorded), or after `timeoutMs`; resolves with how many are still pending.
 *
 * @example
 * await waitForFileRecords('.mlmeta/spool', 10_000);
 */
export async function waitForFileRecords(spoolDir: string, timeoutMs: number): Promise<number> {
  const dir = fileRecordsDir(spoolDir);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    try {
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.json')) continue;
        try {
          if (Date.now() - statSync(join(dir, name)).mtimeMs < STALE_MS) pending++;
        } catch {
          // Deleted while listed: done.
        }
      }
    } catch {
      return 0;
    }
    if (pending === 0 || Date.now() >= deadline) return pending;
    await new Promise((done) => setTimeout(done, 50));
  }
}
