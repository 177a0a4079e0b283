/**
 * Patching onnxruntime: `InferenceSession.create` is replaced by a wrapper that records a Serve
 * run and wires the created session to it. onnxruntime-node re-exports onnxruntime-common's
 * InferenceSession class, so patching the class object (not a namespace property, which is a
 * read-only getter) covers both packages. Patching is idempotent and reversible, the marker lives
 * on globalThis, and nothing here throws: a failure to patch is a log line.
 */
import { resolve } from 'node:path';
import { hideOwnFrames, loadConfig, logger } from '@mlmeta/core';
import type { ModelSource } from './model-description.js';
import { attachServe, failServe, startServe } from './serve-session.js';
import type { OnnxInstrumentationOptions } from './types.js';
import { processWide } from './utils.js';

// InferenceSession.create is wrapped; a failing create shows onnxruntime's stack.
hideOwnFrames();

type CreateFunction = (...args: unknown[]) => Promise<unknown>;

interface SessionClass {
  create: CreateFunction;
}

interface Patch {
  original: CreateFunction;
  patched: CreateFunction;
}

/** Patched InferenceSession classes and their original `create`. */
const patches = processWide('onnx.patches', () => new WeakMap<object, Patch>());

/** The InferenceSession class of an onnxruntime module (namespace, CJS exports or default export). */
function sessionClass(ort: unknown): SessionClass | undefined {
  const candidates = [ort, (ort as { default?: unknown } | undefined)?.default];
  for (const candidate of candidates) {
    const cls = (candidate as { InferenceSession?: unknown } | undefined)?.InferenceSession;
    if ((typeof cls === 'function' || typeof cls === 'object') && cls !== null) {
      if (typeof (cls as SessionClass).create === 'function') return cls as SessionClass;
    }
  }
  return undefined;
}

function onnxruntimeVersions(ort: unknown): Record<string, unknown> | undefined {
  for (const candidate of [ort, (ort as { default?: unknown } | undefined)?.default]) {
    const versions = (candidate as { env?: { versions?: unknown } } | undefined)?.env?.versions;
    if (typeof versions === 'object' && versions !== null)
      return { ...(versions as Record<string, unknown>) };
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * The model source and session options of any `create` overload: (path, options?),
 * (Uint8Array, options?), (ArrayBuffer, options?) and (ArrayBuffer, byteOffset, byteLength?, options?).
 * Arguments onnxruntime will reject give an undefined source; onnxruntime reports them.
 */
function createArguments(args: unknown[]): {
  source?: ModelSource;
  sessionOptions?: Record<string, unknown>;
} {
  const [first, second, third, fourth] = args;
  if (typeof first === 'string') {
    return {
      source: { kind: 'path', path: resolve(first) },
      sessionOptions: isObject(second) ? second : undefined,
    };
  }
  if (first instanceof Uint8Array) {
    return { source: { kind: 'bytes', bytes: first }, sessionOptions: isObject(second) ? second : undefined };
  }
  const isBuffer =
    first instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && first instanceof SharedArrayBuffer);
  if (!isBuffer) return {};
  const buffer = first as ArrayBufferLike;
  if (typeof second !== 'number') {
    return {
      source: { kind: 'bytes', bytes: new Uint8Array(buffer) },
      sessionOptions: isObject(second) ? second : undefined,
    };
  }
  const length = typeof third === 'number' ? third : buffer.byteLength - second;
  const sessionOptions = isObject(fourth) ? fourth : undefined;
  if (second < 0 || length <= 0 || second + length > buffer.byteLength) return { sessionOptions };
  return { source: { kind: 'bytes', bytes: new Uint8Array(buffer, second, length) }, sessionOptions };
}

function patchedCreate(
  original: CreateFunction,
  ort: unknown,
  options: OnnxInstrumentationOptions,
): CreateFunction {
  const versions = onnxruntimeVersions(ort);
  return async function create(this: unknown, ...args: unknown[]) {
    let recording: { run: ReturnType<typeof startServe>; source?: ModelSource } | undefined;
    try {
      const { source, sessionOptions } = createArguments(args);
      recording = { run: startServe(source, sessionOptions, options, versions), source };
    } catch (error) {
      logger.warn('could not start recording this ONNX session; it runs unrecorded:', error);
    }
    let session: unknown;
    try {
      session = await original.apply(this, args);
    } catch (error) {
      // onnxruntime's own error object reaches the caller unchanged; the run records it.
      if (recording) failServe(recording.run, error);
      throw error;
    }
    if (recording) {
      try {
        attachServe(session as Parameters<typeof attachServe>[0], recording.run, recording.source, options);
      } catch (error) {
        logger.warn('could not instrument this ONNX session; it runs unrecorded:', error);
      }
    }
    return session;
  };
}

/**
 * Records every `InferenceSession.create` of this onnxruntime module from now on: a Model
 * artifact (sha256 of the bytes, I/O signature, ONNX metadata) and a Serve run with aggregated
 * run() statistics. Returns true when the module is instrumented (now or already).
 *
 * @example
 * import * as ort from 'onnxruntime-node';
 * import { instrument } from '@mlmeta/onnx';
 * instrument(ort);
 * const session = await ort.InferenceSession.create('model.onnx');
 */
export function instrument(ort: unknown, options: OnnxInstrumentationOptions = {}): boolean {
  try {
    if (loadConfig().disabled) {
      logger.debug('MLMETA_DISABLED is set; onnxruntime is not instrumented');
      return false;
    }
    const cls = sessionClass(ort);
    if (!cls) {
      logger.warn(
        'instrument(ort): this is not an onnxruntime module (no InferenceSession.create); nothing patched',
      );
      return false;
    }
    if (patches.has(cls)) return true;
    const original = cls.create;
    const patched = patchedCreate(original, ort, options);
    cls.create = patched;
    patches.set(cls, { original, patched });
    return true;
  } catch (error) {
    logger.warn('could not instrument onnxruntime; sessions run unrecorded:', error);
    return false;
  }
}

/**
 * Restores `InferenceSession.create`. Sessions created while instrumented keep recording until
 * they are released. Returns true when a patch was removed.
 *
 * @example
 * uninstrument(ort);
 */
export function uninstrument(ort: unknown): boolean {
  try {
    const cls = sessionClass(ort);
    const patch = cls ? patches.get(cls) : undefined;
    if (!cls || !patch) return false;
    // Someone patched over us: restoring would drop their wrapper, so leave both in place.
    if (cls.create !== patch.patched) {
      logger.warn('uninstrument(ort): InferenceSession.create was re-patched by someone else; left as is');
      return false;
    }
    cls.create = patch.original;
    patches.delete(cls);
    return true;
  } catch (error) {
    logger.warn('could not uninstrument onnxruntime:', error);
    return false;
  }
}

/** True when this onnxruntime module's InferenceSession is instrumented. */
export function isInstrumented(ort: unknown): boolean {
  const cls = sessionClass(ort);
  return cls !== undefined && patches.has(cls);
}
