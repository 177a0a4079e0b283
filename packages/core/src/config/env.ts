/**
 * Environment-variable parsing by OpenTelemetry's rules: an empty (or blank) value means unset,
 * booleans are 'true'/'false' in any case, and a bad value gives one warning that names the
 * variable and what to write, then the default. A preload hook reads these, so nothing here
 * may throw.
 */
import { logger } from '../log.js';

export type Env = Record<string, string | undefined>;

/** The value of `name`, trimmed; undefined when absent or blank. */
export function readEnv(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Warns once per process about a bad value. The value itself is not echoed: it may be a
 * secret typed into the wrong variable.
 */
export function warnBadValue(name: string, expected: string, fallback: string): void {
  logger.once(`config:${name}`, 'warn', `${name} is invalid; write ${expected}. Using ${fallback}.`);
}

/**
 * Parses `name` with `parse` (which receives the trimmed string and returns undefined for a bad
 * value); undefined when unset or invalid (after one warning). Parsers are plain functions, not
 * zod schemas: the environment is read at every start under the preload hook.
 *
 * @example
 * parseEnv(process.env, 'MLMETA_HEARTBEAT_INTERVAL', seconds, 'a number of seconds > 0', 'the default 15');
 */
export function parseEnv<T>(
  env: Env,
  name: string,
  parse: (text: string) => T | undefined,
  expected: string,
  fallback: string,
): T | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  const parsed = parse(value);
  if (parsed !== undefined) return parsed;
  warnBadValue(name, expected, fallback);
  return undefined;
}

/** A comma-separated list: entries trimmed, empty entries dropped. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}
