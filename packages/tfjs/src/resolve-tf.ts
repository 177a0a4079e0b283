/**
 * Finds the TensorFlow.js instance the user's models come from. Patching a different copy
 * than the user's would silently record nothing, so an explicit `tf` always wins and the
 * project (not this package) is the place to resolve from.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { logger } from '@mlmeta/core';
import type { TfModule } from './tf-types.js';

/** Tried in this order: a project that installs tfjs-node-gpu uses it over plain tfjs. */
export const TFJS_PACKAGES = [
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-layers',
] as const;

/** True when `value` has the parts of the tfjs API that mlmeta needs. */
export function isTfModule(value: unknown): value is TfModule {
  const tf = value as Partial<TfModule> | null | undefined;
  return (
    typeof tf === 'object' &&
    tf !== null &&
    typeof tf.LayersModel === 'function' &&
    typeof tf.Callback === 'function' &&
    typeof tf.CustomCallback === 'function'
  );
}

function resolutionBases(): string[] {
  const bases = [path.join(process.cwd(), 'package.json')];
  const entry = process.argv[1];
  if (entry) bases.push(path.resolve(entry));
  return bases;
}

/**
 * Loads the first tfjs flavour resolvable from the working directory or the entry script.
 * Under Node every tfjs package resolves `import` and `require` to the same CommonJS `main`
 * (none has an `exports` map), so requiring here yields the very classes the user imported.
 * Returns undefined when no flavour is installed.
 *
 * @example
 * const tf = resolveTf(); // the project's @tensorflow/tfjs-node, if installed
 */
export function resolveTf(): TfModule | undefined {
  for (const base of resolutionBases()) {
    const require = createRequire(base);
    for (const name of TFJS_PACKAGES) {
      let resolved: string;
      try {
        resolved = require.resolve(name);
      } catch {
        continue;
      }
      try {
        const tf: unknown = require(resolved);
        if (isTfModule(tf)) return tf;
      } catch (error) {
        // tfjs-node installed without its native binding throws on load; the next flavour may work.
        logger.warn(`could not load ${name} (${resolved}); trying the next TensorFlow.js flavour`, error);
      }
    }
  }
  return undefined;
}

/**
 * The tfjs flavours this process has already loaded, completely, from the project (no module is
 * loaded here), and the module-cache entries of those still loading (their own `require` is on
 * the stack, or an ESM import linked them and has not run them yet).
 *
 * @example
 * const { loaded } = loadedTf(); // [the project's @tensorflow/tfjs] once the app imported it
 */
export function loadedTf(): { loaded: TfModule[]; loading: NodeJS.Module[] } {
  const loaded: TfModule[] = [];
  const loading: NodeJS.Module[] = [];
  const seen = new Set<string>();
  for (const base of resolutionBases()) {
    const require = createRequire(base);
    for (const name of TFJS_PACKAGES) {
      let resolved: string;
      try {
        resolved = require.resolve(name);
      } catch {
        continue;
      }
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      const entry = require.cache[resolved];
      if (!entry) continue;
      if (!entry.loaded) loading.push(entry);
      else if (isTfModule(entry.exports)) loaded.push(entry.exports);
    }
  }
  return { loaded, loading };
}

/** The version map (`tf.version`) as a flat record, whatever the flavour reports. */
export function tfVersions(tf: TfModule): Record<string, string> {
  const v = tf.version;
  if (typeof v === 'string') return { 'tfjs-layers': v };
  return v ? { ...v } : {};
}
