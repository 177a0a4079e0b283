/**
 * Values checked where the user's call enters the tracker, so that nothing a backend cannot
 * hold ever enters a batch (where the store would reject it, far from the call, together with
 * other records). What can be fixed is fixed, what cannot is refused; either way with one
 * warning per run and kind of problem, naming the run.
 */
import { createHash } from 'node:crypto';
import { logger } from '../log.js';
import { setOwn } from '../model/own-property.js';
import { MAX_NAME_LENGTH, propertiesProblem } from '../model/schemas.js';
import { capString } from './values.js';

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

/**
 * Properties as stores hold them: names cut to MAX_NAME_LENGTH; a value nested deeper than
 * MAX_PROPERTY_DEPTH or holding a `__proto__` key (both refused by stores) kept as its JSON text;
 * the name `__proto__` itself refused. Values are capped elsewhere, in values.ts.
 *
 * @example
 * fitProperties({ cfg: deeplyNested }, run); // { cfg: '{"a":{"a":…' }, and one warning
 */
export function fitProperties<V>(
  properties: Record<string, V>,
  run: { id: string; name: string },
): Record<string, V | string> {
  let fitted: Record<string, V | string> | undefined;
  for (const name of Object.keys(properties)) {
    const value = properties[name]!;
    const problem =
      typeof value === 'object' && value !== null ? propertiesProblem({ [name]: value }) : undefined;
    if (name.length <= MAX_NAME_LENGTH && problem === undefined && name !== '__proto__') continue;
    fitted ??= { ...properties };
    delete fitted[name];
    if (name === '__proto__') {
      warnOnce(
        run.id,
        'name:__proto__',
        `${runLabel(run.name)}: the property name "__proto__" was not recorded (JavaScript readers would lose it); rename it`,
      );
      continue;
    }
    const fittedName = fitName(name, 'a property name', run);
    if (problem === undefined) {
      setOwn(fitted, fittedName, value);
      continue;
    }
    warnOnce(
      run.id,
      `shape:${fittedName}`,
      `${runLabel(run.name)}: ${problem}; it was stored as its JSON text`,
    );
    setOwn(fitted, fittedName, jsonText(value));
  }
  return fitted ?? properties;
}

function jsonText(value: unknown): string {
  try {
    return capString(JSON.stringify(value));
  } catch {
    // Nested beyond what JSON.stringify can walk.
    return '[a value nested too deep to record]';
  }
}
