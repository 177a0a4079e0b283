/**
 * mlmeta's own diagnostics: one line per message on stderr, `[mlmeta] warn: <message>`.
 * Every line is redacted before it is written, and nothing here ever throws: a logger that
 * crashes the training it observes would defeat its purpose.
 */
import { inspect } from 'node:util';
import { redact, redactString } from './capture/redact.js';

/**
 * How much mlmeta says on stderr (MLMETA_LOG_LEVEL); default warn.
 *
 * @example
 * const level: LogLevel = 'debug';
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Every log level, most verbose first.
 *
 * @example
 * isLogLevel('trace'); // false: not in LOG_LEVELS
 */
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

interface LoggerState {
  /** Undefined until first use or setLevel: then MLMETA_LOG_LEVEL is read. */
  level: LogLevel | undefined;
  onceKeys: Set<string>;
}

// The ESM and CJS builds may both load in one process; they must share one level and one
// set of once-keys, or a bad variable would warn twice.
const STATE_KEY = Symbol.for('mlmeta.logger');
const globals = globalThis as Record<symbol, LoggerState | undefined>;
globals[STATE_KEY] ??= { level: undefined, onceKeys: new Set<string>() };
const state: LoggerState = globals[STATE_KEY];

/** True when `value` names a log level ('debug', 'info', 'warn', 'error', 'silent'). */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

function currentLevel(): LogLevel {
  if (state.level === undefined) {
    // Read directly rather than through loadConfig: config itself reports through this logger.
    const fromEnv = process.env.MLMETA_LOG_LEVEL?.trim().toLowerCase();
    state.level = isLogLevel(fromEnv) ? fromEnv : 'warn';
  }
  return state.level;
}

function formatDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (detail instanceof Error) return detail.stack ?? `${detail.name}: ${detail.message}`;
  return inspect(redact(detail), { depth: 4, breakLength: Number.POSITIVE_INFINITY });
}

function write(level: Exclude<LogLevel, 'silent'>, msg: string, details: unknown[]): void {
  try {
    if (RANK[level] < RANK[currentLevel()]) return;
    const text = [msg, ...details.map(formatDetail)].join(' ');
    process.stderr.write(`[mlmeta] ${level}: ${redactString(text)}\n`);
  } catch {
    // stderr closed or a detail whose inspection throws: dropping the line is the only safe option.
  }
}

/**
 * The process-wide mlmeta logger.
 *
 * @example
 * logger.warn('store unreachable; spooling to', spoolDir);
 * logger.once('env:MLMETA_TAGS', 'warn', 'MLMETA_TAGS is malformed; write k=v,k=v');
 */
export const logger = {
  /** Details for diagnosing mlmeta itself (MLMETA_LOG_LEVEL=debug). */
  debug(msg: string, ...details: unknown[]): void {
    write('debug', msg, details);
  },
  /** What mlmeta did, when asked for (MLMETA_LOG_LEVEL=info). */
  info(msg: string, ...details: unknown[]): void {
    write('info', msg, details);
  },
  /** Something mlmeta could not do; training goes on. */
  warn(msg: string, ...details: unknown[]): void {
    write('warn', msg, details);
  },
  /** A failure of mlmeta itself; training still goes on. */
  error(msg: string, ...details: unknown[]): void {
    write('error', msg, details);
  },
  /** Overrides MLMETA_LOG_LEVEL for the rest of the process. */
  setLevel(level: LogLevel): void {
    if (isLogLevel(level)) state.level = level;
  },
  /** Logs `msg` only the first time `key` is seen in this process. */
  once(key: string, level: Exclude<LogLevel, 'silent'>, msg: string): void {
    if (state.onceKeys.has(key)) return;
    state.onceKeys.add(key);
    write(level, msg, []);
  },
};
