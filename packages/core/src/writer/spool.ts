/**
 * The local spool: batches the store could not take, appended as JSON lines to one file per
 * process under the spool directory, replayed in order when the store is back (by the writer
 * itself, or by `mlmeta sync` through `replaySpool`). Appends are synchronous so that the
 * `exit` handler can spool too; replays are safe to repeat because every record is idempotent.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { logger } from '../log.js';
import type { MetricPoint } from '../model/schemas.js';
import { lazySchema, zod } from '../zod.js';
import { applyBatch, type BatchTarget } from './apply-batch.js';
import { metricPoints, type WriteBatch } from './batch.js';
import { decodeJson, encodeJson } from './json-codec.js';
import { Quarantine, quarantineFileFor } from './quarantine.js';

const SPOOL_FORMAT = 1;

interface SpoolLine extends WriteBatch {
  metrics: MetricPoint[];
  v: number;
  /** When the batch was spooled (epoch ms). */
  t: number;
}

const safeHost = () => hostname().replace(/[^A-Za-z0-9_.-]/g, '_');

/** `<start ms>-<host>-<pid>.jsonl`: sorts by process start, and names its owner. */
export function spoolFileName(startTimeMs: number, pid = process.pid): string {
  return `${startTimeMs}-${safeHost()}-${pid}.jsonl`;
}

function ownerOf(fileName: string): { host: string; pid: number } | undefined {
  const match = /^\d+-(.+)-(\d+)\.jsonl$/.exec(fileName);
  return match ? { host: match[1], pid: Number(match[2]) } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command that writes a spool file's records into their store, for warnings that tell the
 * user what to run; `store` is added when the records are not for the configured store.
 *
 * @example
 * syncCommand('/srv/.mlmeta/spool/1700000000000-host-42.jsonl'); // 'mlmeta sync --spool-dir /srv/.mlmeta/spool'
 */
export function syncCommand(spoolFile: string, store?: string): string {
  const quote = (arg: string) => (/^[\w./:@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  const storeFlag = store === undefined ? '' : ` --store ${quote(store)}`;
  return `mlmeta sync${storeFlag} --spool-dir ${quote(resolve(dirname(spoolFile)))}`;
}

/** One process's spool file. */
export class Spool {
  readonly file: string;
  private fd: number | undefined;
  /** Batches appended since the file was last emptied. */
  private appended = 0;

  constructor(
    readonly dir: string,
    fileName: string,
  ) {
    this.file = join(dir, fileName);
  }

  /** True when batches wait in the file for the store. */
  get hasPending(): boolean {
    return this.appended > 0;
  }

  /** Append one batch (synchronous: usable from an `exit` handler). Throws on a disk error. */
  append(batch: WriteBatch): void {
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(this.file, 'a', 0o600);
    }
    // Queued points are columns in memory; on disk they stay one object per point (format 1).
    const line: SpoolLine = {
      v: SPOOL_FORMAT,
      t: Date.now(),
      ...batch,
      metrics: metricPoints(batch.metrics),
    };
    writeSync(this.fd, `${encodeJson(line)}\n`);
    this.appended++;
  }

  /** Flush the file to disk and close it; the next append reopens it. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Replay the file into `store` in order, then delete it. Rejects (file kept) if a write fails. */
  async replay(store: BatchTarget): Promise<Omit<ReplayResult, 'files' | 'active'>> {
    this.close();
    const result = await replaySpoolFile(store, this.file);
    this.appended = 0;
    return result;
  }
}

/**
 * How far `replaySpool` has got with one spool file.
 *
 * @example
 * await replaySpool(store, '.mlmeta/spool', { onProgress: (p: SpoolProgress) => console.log(p.file, p.batches) });
 */
export interface SpoolProgress {
  file: string;
  /** Batches written from this file so far. */
  batches: number;
  /** Metric points written from this file so far. */
  points: number;
}

/** A spool line that could not be replayed as a batch (kept in the quarantine). */
export interface SkippedLine {
  /** `<spool file>:<line number>` */
  source: string;
  reason: string;
}

/**
 * What a spool replay wrote, skipped and left for running processes.
 *
 * @example
 * const { batches, skipped } = await replaySpool(store, '.mlmeta/spool');
 */
export interface ReplayResult {
  files: number;
  batches: number;
  points: number;
  /** Lines that could not be read (torn by a crash, malformed, of an unknown format); see `skippedLines`. */
  skipped: number;
  skippedLines: SkippedLine[];
  /** Records the store rejected for good, set aside with their reason (skipped lines are kept there too). */
  quarantined: number;
  /** Quarantine files written to by this replay. */
  quarantineFiles: string[];
  /** Files left alone because their process is still running (its own writer replays them). */
  active: string[];
}

type FileResult = Omit<ReplayResult, 'files' | 'active'>;

const recordList = lazySchema(() => zod.array(zod.record(zod.string(), zod.unknown())).optional());

/** What a spool line must be to be replayed; each record is then checked by the store itself. */
const SpoolLineSchema = lazySchema(() =>
  zod.object({
    v: zod.literal(SPOOL_FORMAT),
    t: zod.number(),
    lineage: zod
      .object({
        types: recordList,
        artifacts: recordList,
        executions: recordList,
        contexts: recordList,
        events: recordList,
        attributions: recordList,
        associations: recordList,
        parentContexts: recordList,
        modelVersions: recordList,
      })
      .strict(),
    metrics: zod.array(zod.record(zod.string(), zod.unknown())),
    openLineage: recordList,
  }),
);

/** The batch in one spool line, or why the line cannot be one. */
function readLine(text: string): WriteBatch | string {
  let value: unknown;
  try {
    value = decodeJson(text);
  } catch (error) {
    return `not JSON (a line torn by a crash?): ${(error as Error).message}`;
  }
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof v === 'number' && v !== SPOOL_FORMAT) {
    return `spool format ${v}, which this mlmeta cannot read; replay it with the mlmeta version that wrote it`;
  }
  const parsed = SpoolLineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `not a spool batch: ${issue.path.join('.') || 'line'}: ${issue.message}`;
  }
  return parsed.data as unknown as WriteBatch;
}

/**
 * Replay one spool file in order, then delete it (the `exit` path replays its own file this way).
 * Lines that cannot be read and records the store rejects are set aside in the file's quarantine
 * and reported; the file is kept (and the promise rejects) only when the store fails to take a
 * valid batch, so that it can be replayed again.
 */
export async function replaySpoolFile(
  store: BatchTarget,
  file: string,
  onProgress?: (progress: SpoolProgress) => void,
): Promise<FileResult> {
  const quarantine = new Quarantine(quarantineFileFor(file));
  const result: FileResult = {
    batches: 0,
    points: 0,
    skipped: 0,
    skippedLines: [],
    quarantined: 0,
    quarantineFiles: [],
  };
  if (!existsSync(file)) return result;
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    const batch = readLine(text);
    if (typeof batch === 'string') {
      const source = `${file}:${lineNumber}`;
      result.skipped++;
      result.skippedLines.push({ source, reason: batch });
      quarantine.add({ kind: 'spool-line', source, line: text, reason: batch });
      continue;
    }
    await applyBatch(store, batch, (rejected) => quarantine.add(rejected));
    result.batches++;
    result.points += batch.metrics.length;
    onProgress?.({ file, batches: result.batches, points: result.points });
  }
  for (const line of result.skippedLines) logger.warn(`spool ${line.source}: skipped: ${line.reason}`);
  result.quarantined = quarantine.count;
  if (quarantine.count > 0) {
    result.quarantineFiles.push(quarantine.file);
    logger.warn(`spool ${file}: ${quarantine.count} record(s) or line(s) set aside in ${quarantine.file}`);
  }
  unlinkSync(file);
  return result;
}

/**
 * Replay every spool file in `dir` into `store`, oldest process first, deleting each file once
 * written. Files of processes still running on this host are left to their own writer.
 *
 * @example
 * const store = await openStore('sqlite:.mlmeta/mlmeta.db');
 * const result = await replaySpool(store, '.mlmeta/spool', { onProgress: (p) => console.log(p.file, p.batches) });
 */
export async function replaySpool(
  store: BatchTarget,
  dir: string,
  options: { onProgress?: (progress: SpoolProgress) => void; includeActive?: boolean } = {},
): Promise<ReplayResult> {
  const result: ReplayResult = {
    files: 0,
    batches: 0,
    points: 0,
    skipped: 0,
    skippedLines: [],
    quarantined: 0,
    quarantineFiles: [],
    active: [],
  };
  if (!existsSync(dir)) return result;
  const host = safeHost();
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  for (const name of names) {
    const owner = ownerOf(name);
    const active = owner !== undefined && owner.host === host && isAlive(owner.pid);
    if (active && !options.includeActive) {
      result.active.push(join(dir, name));
      continue;
    }
    const one = await replaySpoolFile(store, join(dir, name), options.onProgress);
    result.files++;
    result.batches += one.batches;
    result.points += one.points;
    result.skipped += one.skipped;
    result.skippedLines.push(...one.skippedLines);
    result.quarantined += one.quarantined;
    result.quarantineFiles.push(...one.quarantineFiles);
  }
  return result;
}
