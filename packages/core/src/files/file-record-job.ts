/**
 * The hand-over between a process under the preload hook and the detached child that records its
 * files after it exited (see file-recorder-main.ts): one JSON job file per process under
 * `<spool>/file-records/`, which the child deletes once the records are in the store (or in its
 * spool). Readers that want a complete store (the CLI) wait while recent job files exist.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
