/**
 * Values checked where the user's call enters the tracker, so that nothing a backend cannot
 * hold ever enters a batch (where the store would reject it, far from the call, together with
 * other records). What can be fixed is fixed, what cannot is refused; either way with one
 * warning per run and kind of problem, naming the run.
 */
import { createHash } from 'node:crypto';
import { logger } from '../log.js';
import { MAX_NAME_LENGTH } from '../model/schemas.js';

/** `run "name"` for warnings. */
export const runLabel = (name: string) => `run "${name.length > 80 ? `${name.slice(0, 80)}…` : name}"`;

/** One warning per run (by id) and kind of problem. */
export function warnOnce(runId: string, kind: string, message: string): void {
  logger.once(`edge:${runId}:${kind}`, 'warn', message);
}

/**
 * A step as stored: integers within ±2^53 (what every backend stores and JS reads back exactly);
 * a fractional step is rounded down. undefined when the step is refused.
 *
 * @example
 * metricStep(2.7, run); // 2
 * metricStep(Number.NaN, run); // undefined, and one warning naming the run
 */
export function metricStep(step: unknown, run: { id: string; name: string }): number | undefined {
  const at = typeof step === 'number' ? Math.floor(step) : Number.NaN;
  if (Number.isSafeInteger(at)) return at;
  warnOnce(
    run.id,
    'step',
    `${runLabel(run.name)}: logMetrics step ${String(step)} refused (steps are integers from -(2^53-1) to 2^53-1); those values were not recorded`,
  );
  return undefined;
}

/**
 * `text` cut to `max` characters (for names that get a suffix, `max` leaves room for it).
 *
 * @example
 * fitName('x'.repeat(2000), 'run name', run, 242).length; // 242
 */
export function fitName(
  text: string,
  what: string,
  run: { id: string; name: string },
  max = MAX_NAME_LENGTH,
): string {
  if (text.length <= max) return text;
  warnOnce(
    run.id,
    `name:${what}`,
    `${runLabel(run.name)}: ${what} is ${text.length} characters; stores hold ${max}, so it was cut to its first ${max}`,
  );
  return text.slice(0, max);
}

/**
 * An external id a store can hold: a digest longer than the limit becomes the sha256 of it, so
 * the same long digest still names one node.
 */
export function fitExternalId(id: string, run: { id: string; name: string }): string {
  if (id.length <= MAX_NAME_LENGTH) return id;
  warnOnce(
    run.id,
    'digest',
    `${runLabel(run.name)}: an artifact digest of ${id.length} characters is longer than stores hold (${MAX_NAME_LENGTH}); its sha256 identifies the artifact instead`,
  );
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** Property names cut to what stores hold (values are capped elsewhere, in values.ts). */
export function fitPropertyNames<V>(
  properties: Record<string, V>,
  run: { id: string; name: string },
): Record<string, V> {
  let fitted: Record<string, V> | undefined;
  for (const name of Object.keys(properties)) {
    if (name.length <= MAX_NAME_LENGTH) continue;
    fitted ??= { ...properties };
    delete fitted[name];
    fitted[fitName(name, 'a property name', run)] = properties[name]!;
  }
  return fitted ?? properties;
}
