/**
 * Turns the files a program used into lineage: the first one starts an `mlmeta.Script`
 * execution for the process (the entry script's name), and each file becomes an input (read)
 * or an output (written) of it, identified by content. Uses are coalesced per path for a short
 * while (a file appended to in a loop is digested once, when it has settled), the files of a
 * saved tfjs model folder (a directory holding model.json) become one folder artifact, and the
 * digests run on core's digest worker. At `beforeExit` (registered at preload, so before the
 * tracker ends its runs) everything still waiting is handed to the run, whose end waits for it.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { LoadModule } from '../instrumentation.js';
import type { FileUse } from './instrumentation.js';

type Core = typeof import('@mlmeta/core');
type Run = import('@mlmeta/core').Run;

/** How long a path must stay quiet before it is handed over for digesting. */
const SETTLE_MS = 100;
/**
 * A directory from which a program reads (or writes) at least this many files is one artifact
 * (by its manifest), not thousands: a folder of images or shards is one dataset.
 */
const FOLDER_FILES = 64;

export class FileRecorder {
  private run: Run | undefined;
  private readonly waiting = new Map<string, { use: FileUse; timer: NodeJS.Timeout }>();
  private readonly written = new Set<string>();
  private readonly handed = new Set<string>();
  private readonly perDirectory = new Map<string, number>();
  private failed = false;

  constructor(private readonly load: LoadModule) {
    process.on('beforeExit', () => this.handOverAll());
  }

  /** A file was read or written (and closed). Cheap: a map update and a timer. */
  use(path: string, use: FileUse): void {
    if (this.failed) return;
    if (use === 'written') this.written.add(path);
    // A file this process wrote and reads back is its own output, not an input.
    else if (this.written.has(path)) return;
    if (!this.waiting.has(path)) {
      const key = `${use}:${dirname(path)}`;
      this.perDirectory.set(key, (this.perDirectory.get(key) ?? 0) + 1);
    }
    this.wait(path, use);
  }

  private wait(target: string, use: FileUse): void {
    const known = this.waiting.get(target);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.handOver(target), SETTLE_MS);
    timer.unref();
    this.waiting.set(target, { use: known?.use === 'written' ? 'written' : use, timer });
  }

  private handOverAll(): void {
    // Files first (they may move under their folder), then whatever waits after that.
    for (let round = 0; round < 2; round++) {
      for (const target of [...this.waiting.keys()]) this.handOver(target);
    }
  }

  private handOver(target: string): void {
    const entry = this.waiting.get(target);
    if (!entry) return;
    this.waiting.delete(target);
    clearTimeout(entry.timer);
    // The folder is decided once the writes have settled (model.json may come last), and its
    // files wait together under the folder's name.
    const many = (this.perDirectory.get(`${entry.use}:${dirname(target)}`) ?? 0) >= FOLDER_FILES;
    const folder = many ? dirname(target) : modelFolder(target);
    if (folder !== undefined && folder !== target) {
      if (entry.use === 'written') this.written.add(folder);
      else if (this.written.has(folder)) return;
      this.wait(folder, entry.use);
      return;
    }
    const recorded = target;
    const key = `${entry.use}:${recorded}`;
    if (entry.use === 'read' && this.handed.has(key)) return;
    this.handed.add(key);
    try {
      const run = this.scriptRun();
      if (!run) return;
      const record = { uri: recorded, role: basename(recorded) };
      if (entry.use === 'read') run.logInput(record);
      else run.logOutput(record);
    } catch (error) {
      this.failed = true;
      reportOnce(this.load, error);
    }
  }

  /** The process's Script execution, started on first use (loading core only then). */
  private scriptRun(): Run | undefined {
    if (this.run) return this.run;
    const core = this.load('@mlmeta/core') as Core;
    const config = core.loadConfig();
    if (config.disabled) {
      this.failed = true;
      return undefined;
    }
    const entry = process.argv[1];
    this.run = core.startRun({
      type: core.MLMETA_TYPES.script,
      // MLMETA_RUN_NAME, else the entry script's name ('prepare' for prepare.mjs).
      ...(config.runName ? {} : entry ? { name: basename(entry, extname(entry)) } : {}),
    });
    return this.run;
  }
}

/** The tfjs model folder `path` belongs to (its directory holds model.json), if any. */
function modelFolder(path: string): string | undefined {
  if (basename(path) === 'model.json') return dirname(path);
  const dir = dirname(path);
  return existsSync(join(dir, 'model.json')) ? dir : undefined;
}

function reportOnce(load: LoadModule, error: unknown): void {
  try {
    (load('@mlmeta/core') as Core).logger.warn('file capture failed; files are no longer recorded:', error);
  } catch {
    // Core did not load: nothing to report through.
  }
}
