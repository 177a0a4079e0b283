/**
 * The one setting read before anything else loads. @mlmeta/core's loadConfig validates with zod,
 * which alone costs more than the hook's whole startup budget, so this reads MLMETA_DISABLED by
 * the same rules (blank = unset, 'true' in any case) without it. A malformed value is not
 * "true" here and is reported by loadConfig once a framework loads, exactly as core decides.
 */

/**
 * True when MLMETA_DISABLED turns the preload hook off.
 *
 * @example
 * if (preloadDisabled(process.env)) return; // install nothing, load nothing
 */
export function preloadDisabled(env: Record<string, string | undefined>): boolean {
  return env.MLMETA_DISABLED?.trim().toLowerCase() === 'true';
}
