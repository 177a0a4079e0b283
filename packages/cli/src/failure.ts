/**
 * Reading a failed run: the stack with the user's own frames first (mlmeta's bundles and Node's
 * internals after them), and, for a loss that became NaN or infinite, the input features whose
 * recorded statistics hold NaN or ±Infinity — the usual cause.
 */
import type { PropertyValue } from '@mlmeta/core/read';
import type { LinkedArtifact } from './run-details.js';

/** A frame in mlmeta's own code (installed or in this repository) or in Node itself. */
const NOT_USER_FRAME =
  /\((?:node:|internal\/)|\bat (?:node:|internal\/)|[\\/]node_modules[\\/]@mlmeta[\\/]|[\\/]packages[\\/](?:core|tfjs|onnx|node-hooks|cli|server)[\\/]dist[\\/]/;

export interface SplitStack {
  /** Frames in the user's code, in stack order. */
  user: string[];
  /** Frames in mlmeta and Node internals. */
  other: string[];
}

/** The frames of `stack` (its message lines dropped: the message is shown on its own). */
export function splitStack(stack: string): SplitStack {
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '));
  return {
    user: frames.filter((f) => !NOT_USER_FRAME.test(f)),
    other: frames.filter((f) => NOT_USER_FRAME.test(f)),
  };
}

export interface NonFiniteFeature {
  role: string;
  artifactId: number;
  tensor: string;
  /** 0-based index on the last axis. */
  feature: number;
  nanCount: number;
  /** ±Infinity seen as a minimum or maximum. */
  infinite: boolean;
}

const isRecord = (v: unknown): v is Record<string, PropertyValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isInfinite = (v: unknown) =>
  (typeof v === 'number' && Math.abs(v) === Number.POSITIVE_INFINITY) ||
  v === 'Infinity' ||
  v === '-Infinity' ||
  (isRecord(v) && (v.$float === 'Infinity' || v.$float === '-Infinity'));

/** The features of the run's input datasets whose statistics hold NaN or ±Infinity. */
export function nonFiniteFeatures(inputs: LinkedArtifact[]): NonFiniteFeature[] {
  const found: NonFiniteFeature[] = [];
  for (const input of inputs) {
    const tensors = input.properties.tensors;
    if (!Array.isArray(tensors)) continue;
    for (const [t, tensor] of tensors.entries()) {
      if (!isRecord(tensor) || !Array.isArray(tensor.stats)) continue;
      for (const [feature, stats] of tensor.stats.entries()) {
        if (!isRecord(stats)) continue;
        const nanCount = typeof stats.nanCount === 'number' ? stats.nanCount : 0;
        const infinite = isInfinite(stats.min) || isInfinite(stats.max);
        if (nanCount === 0 && !infinite) continue;
        const tensorName = typeof tensor.name === 'string' ? tensor.name : String(t);
        found.push({
          role: input.role,
          artifactId: input.id,
          tensor: tensorName,
          feature,
          nanCount,
          infinite,
        });
      }
    }
  }
  return found;
}

/** `input train x, feature 3: 1 NaN (dataset #4)`. */
export function describeNonFinite(f: NonFiniteFeature): string {
  const what = [f.nanCount > 0 ? `${f.nanCount} NaN` : '', f.infinite ? 'Infinity' : '']
    .filter(Boolean)
    .join(' and ');
  return `input ${f.role} ${f.tensor}, feature ${f.feature}: ${what} (dataset #${f.artifactId})`;
}
