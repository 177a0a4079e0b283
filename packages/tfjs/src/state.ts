/**
 * Process-wide state of the tfjs instrumentation. It lives on globalThis because the ESM and
 * CommonJS builds of this package may both be loaded in one process (a `--require` preload
 * and an ESM app): both must see one set of patches, one autolog setting, one lineage map.
 */
import type { Run } from '@mlmeta/core';
import type { TfModule } from './tf-types.js';
import type { CallbackOptions } from './types.js';

/** What this process knows about a model object: the run that produced its weights, or where it was loaded from. */
export interface ModelOrigin {
  /** The run whose fit produced the current weights, and the digest of the model it recorded. */
  producedBy?: { run: Run; digest: string };
  /** Where the weights were loaded from (URL, path or a description of the IOHandler). */
  loadedFrom?: string;
  loaded?: boolean;
  /**
   * The local folder the weights were loaded from (see model-files.ts), and the digest of the
   * model as loaded: while the model still has those weights, it is that folder's node.
   */
  loadedFolder?: { path: string; digest: Promise<string | undefined> };
  /** The options of the recorded fit that trained it: its evaluations are recorded with them. */
  recordWith?: CallbackOptions;
}

export interface TfjsInstrumentationState {
  /** Patched prototypes and their original methods, for a symmetric uninstrument(). */
  patches: Map<object, Record<string, unknown>>;
  /** Set by instrument(): record every fit, with or without a callback. */
  autolog: CallbackOptions | undefined;
  /**
   * The inner model a Sequential is handing its fit to, while that synchronous hand-off runs:
   * its fit is part of the outer call and must not become a second run.
   */
  delegatingTo: object | null;
  origins: WeakMap<object, ModelOrigin>;
  /** The fullest tfjs module handed over for each LayersModel class (see flavour.ts). */
  flavours: WeakMap<object, TfModule>;
  /** Ends of recorded runs not yet written, for flush(). */
  pending: Set<Promise<void>>;
}

const KEY = Symbol.for('mlmeta.tfjs');

/** The shared state, created on first use. */
export function tfjsState(): TfjsInstrumentationState {
  const holder = globalThis as Record<symbol, unknown>;
  let state = holder[KEY] as TfjsInstrumentationState | undefined;
  if (!state) {
    state = {
      patches: new Map(),
      autolog: undefined,
      delegatingTo: null,
      origins: new WeakMap(),
      flavours: new WeakMap(),
      pending: new Set(),
    };
    holder[KEY] = state;
  }
  return state;
}

/** The origin record of `model`, created on first use. */
export function modelOrigin(model: object): ModelOrigin {
  const { origins } = tfjsState();
  let origin = origins.get(model);
  if (!origin) {
    origin = {};
    origins.set(model, origin);
  }
  return origin;
}

/**
 * The origin record of `model`, if any. A Sequential's first fit can reach mlmeta only through
 * its inner LayersModel (when `model.fit` was looked up before `callback()` installed the
 * patches), so a Sequential also answers with its inner model's record.
 */
export function findOrigin(model: object): ModelOrigin | undefined {
  const { origins } = tfjsState();
  const inner = (model as { model?: unknown }).model;
  return origins.get(model) ?? (typeof inner === 'object' && inner !== null ? origins.get(inner) : undefined);
}

/** Marks callback objects made by callback(), whichever build of this package made them. */
export const CALLBACK_OPTIONS = Symbol.for('mlmeta.tfjs.callbackOptions');

/** Keeps `ended` in the pending set until it settles. */
export function trackPending(ended: Promise<void>): void {
  const { pending } = tfjsState();
  const settled = ended.catch(() => undefined).finally(() => pending.delete(settled));
  pending.add(settled);
}
