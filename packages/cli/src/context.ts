/**
 * What every command gets: the resolved global flags, where to write, and the store (opened on
 * first use, closed once when the command ends).
 */
import {
  DEFAULT_STORE_URI,
  isMlmetaError,
  type MetadataStore,
  openStore,
  redactUri,
  waitForFileRecords,
} from '@mlmeta/core/read';

/** How long a command waits for the files of processes that just exited to be recorded. */
const FILE_RECORDS_WAIT_MS = 15_000;

/** An error the user caused or can fix: printed as `mlmeta: <message>`, exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** How messages name where the store URI came from. */
const STORE_SOURCES = { default: 'the default', env: 'MLMETA_STORE', flag: '--store' } as const;

/** How long a command keeps retrying an HTTP store that stopped answering. */
export const CLI_RETRY = { maxElapsedMs: 5_000, initialDelayMs: 100, maxDelayMs: 1_000 };

/** What a terminal stream says about itself (process.stdout has all of it; a test's stream none). */
export interface TerminalInfo {
  /** True on a terminal. */
  isTTY?: boolean;
  /** The terminal's width. */
  columns?: number;
  /** Whether the terminal shows colours, judged from TERM, CI, NO_COLOR and FORCE_COLOR in `env`. */
  hasColors?: (env?: object) => boolean;
}

/**
 * Where a command writes and what environment it reads: the process's own in `mlmeta`, strings
 * in tests.
 *
 * @example
 * const io: Io = { out: process.stdout, err: process.stderr, env: process.env };
 */
export interface Io {
  out: NodeJS.WritableStream & TerminalInfo;
  err: NodeJS.WritableStream & TerminalInfo;
  env: NodeJS.ProcessEnv;
}

/**
 * The flags every command takes: `--store`, `--json`, `--no-color`.
 *
 * @example
 * new CliContext(io, { store: 'sqlite:runs.db', json: true });
 */
export interface GlobalFlags {
  store?: string;
  json?: boolean;
  color?: boolean;
}

/**
 * One command's context: the resolved flags, output helpers, and the store, opened on first use.
 *
 * @example
 * const ctx = new CliContext(io, { json: true });
 * const store = await ctx.store({ readOnly: true });
 * ctx.printJson({ runs: (await store.getExecutions({ type: 'mlmeta.Train' })).items });
 * await ctx.close();
 */
export class CliContext {
  readonly storeUri: string;
  /** Where storeUri came from, for messages about it. */
  readonly storeFrom: keyof typeof STORE_SOURCES;
  readonly json: boolean;
  /**
   * Colours only on a terminal that has them, as Node judges it from TERM, CI, NO_COLOR and
   * FORCE_COLOR (a dumb terminal, a CI log, NO_COLOR: none), and never with --no-color.
   */
  readonly color: boolean;
  private opened: Promise<MetadataStore> | undefined;

  constructor(
    readonly io: Io,
    flags: GlobalFlags,
  ) {
    this.storeUri = flags.store ?? (io.env.MLMETA_STORE?.trim() || DEFAULT_STORE_URI);
    this.storeFrom = flags.store ? 'flag' : io.env.MLMETA_STORE?.trim() ? 'env' : 'default';
    this.json = flags.json === true;
    this.color =
      flags.color !== false &&
      io.out.isTTY === true &&
      !io.env.NO_COLOR &&
      (io.out.hasColors?.(io.env) ?? true);
  }

  /** Table width: the terminal's, else COLUMNS, else unlimited (a pipe gets whole lines). */
  get width(): number | undefined {
    const fromEnv = Number(this.io.env.COLUMNS);
    return this.io.out.columns ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined);
  }

  /** Progress bars only when stderr is a terminal and the output is not JSON. */
  get progress(): boolean {
    return this.io.err.isTTY === true && !this.json;
  }

  /** The store named by --store or MLMETA_STORE, opened once; a failure is a CliError (exit 1). */
  store(options: { readOnly?: boolean } = {}): Promise<MetadataStore> {
    this.opened ??= this.open(options);
    return this.opened;
  }

  private async open(options: { readOnly?: boolean }): Promise<MetadataStore> {
    await this.filesRecorded();
    if (/^https?:\/\//i.test(this.storeUri)) {
      const { probeServer } = await import('./http-probe.js');
      await probeServer(this.storeUri, redactUri(this.storeUri));
    }
    // A server that answered the probe and then went away: give up within seconds, not 30.
    return openStore(this.storeUri, { readOnly: options.readOnly, retry: CLI_RETRY }).catch(
      (error: unknown) => {
        const shown = redactUri(this.storeUri);
        if (isMlmetaError(error) && error.code === 'NOT_FOUND' && /^sqlite:/i.test(this.storeUri)) {
          throw new CliError(
            `no store at ${shown} (${STORE_SOURCES[this.storeFrom]}): nothing has been recorded there yet. Record a run first (mlmeta's callback in model.fit, or node --import @mlmeta/node-hooks/register), or name the store you mean with --store or MLMETA_STORE`,
          );
        }
        const reason = isMlmetaError(error) || error instanceof Error ? error.message : String(error);
        throw new CliError(`cannot open store ${shown}: ${reason}`);
      },
    );
  }

  /**
   * Processes under the preload hook record their files from a detached child after they exit;
   * a command run right after them (the next line of a pipeline script) waits for those records,
   * in `spoolDir` (default MLMETA_SPOOL_DIR, else .mlmeta/spool; `mlmeta sync --spool-dir`'s).
   */
  async filesRecorded(spoolDir = this.io.env.MLMETA_SPOOL_DIR?.trim() || '.mlmeta/spool'): Promise<void> {
    const pending = await waitForFileRecords(spoolDir, FILE_RECORDS_WAIT_MS, {
      // The recorder restarted writes to the store this command reads, and spools where it looked.
      restart: { env: { ...this.io.env, MLMETA_STORE: this.storeUri, MLMETA_SPOOL_DIR: spoolDir } },
      onDead: (job) =>
        this.warn(
          `the recorder of an exited process's files died before it finished (${job}); recording them again`,
        ),
    });
    if (pending > 0)
      this.warn(
        `the files of ${pending} process(es) that just exited are still being recorded; answers may miss them`,
      );
  }

  /** Writes one line (or block) to stdout. */
  print(text = ''): void {
    this.io.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Machine-readable output: pretty JSON, non-finite numbers as {"$float": "NaN"}. */
  printJson(value: unknown): void {
    this.print(JSON.stringify(value, jsonReplacer, 2));
  }

  /** Writes `mlmeta: <text>` to stderr. */
  warn(text: string): void {
    this.io.err.write(`mlmeta: ${text}\n`);
  }

  /** Closes the store if a command opened it. */
  async close(): Promise<void> {
    if (!this.opened) return;
    const store = await this.opened.catch(() => undefined);
    await store?.close();
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { $float: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  return value;
}
