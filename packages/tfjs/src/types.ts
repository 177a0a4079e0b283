/**
 * Options of `callback()` and `instrument()`, validated with zod when they are given, so that a
 * mistake surfaces at setup with a message that says what to write, not halfway through training.
 */
import type { MetadataStore } from '@mlmeta/core';
import { lazySchema, zod } from '@mlmeta/core';
import type { z } from 'zod';
import { isTfModule } from './resolve-tf.js';
import type { TfModule } from './tf-types.js';

const LogBatchesSchema = lazySchema(() =>
  zod.union([
    zod.literal('epoch'),
    zod.literal('batch'),
    zod.object({ every: zod.number().int().positive() }).strict(),
  ]),
);

const StoreSchema = lazySchema(() =>
  zod.union([
    zod.string().min(1),
    zod.custom<MetadataStore>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as MetadataStore).putLineage === 'function',
      {
        message:
          'expected a store URI (sqlite:<path>, postgres://..., http(s)://...) or an open MetadataStore',
      },
    ),
  ]),
);

const TfSchema = lazySchema(() =>
  zod.custom<TfModule>(isTfModule, {
    message: 'expected the TensorFlow.js module, e.g. `import * as tf from "@tensorflow/tfjs"` then { tf }',
  }),
);

export const CallbackOptionsSchema = lazySchema(() =>
  zod
    .object({
      /** Experiment context; default MLMETA_EXPERIMENT, else the entry script's name. */
      experiment: zod.string().min(1).optional(),
      /** Name of the run; default MLMETA_RUN_NAME, else generated. */
      runName: zod.string().min(1).optional(),
      tags: zod.record(zod.string(), zod.string()).optional(),
      /** 'epoch' (no batch metrics), 'batch' (every batch) or { every: N }; default MLMETA_LOG_BATCHES. */
      logBatches: LogBatchesSchema.optional(),
      /** Extra parameters recorded with the fit arguments (your own hyperparameters). */
      params: zod.record(zod.string(), zod.unknown()).optional(),
      /** Where to record; default MLMETA_STORE, else sqlite:.mlmeta/mlmeta.db. */
      store: StoreSchema.optional(),
      /** Fingerprint x, y and validation data (default: MLMETA_CAPTURE's `dataset`, on). */
      captureDataset: zod.boolean().optional(),
      /**
       * The model name its saves are versions of (`mlmeta models`); default the save path's name
       * (`file://./models/iris` → `iris`).
       */
      modelName: zod.string().min(1).max(240).optional(),
      /** Stop training (model.stopTraining) when the loss becomes NaN or infinite. Default false. */
      stopOnNonFinite: zod.boolean().optional(),
      /** The tfjs module your model comes from; default: resolved from your project. */
      tf: TfSchema.optional(),
    })
    .strict(),
);

/** Options of `callback()`. Every field is optional. */
export type CallbackOptions = z.input<typeof CallbackOptionsSchema>;

/** Options of `instrument()`: like the callback's, applied to every fit in the process. */
export type InstrumentOptions = Omit<CallbackOptions, 'tf'>;

export type LogBatchesOption = z.infer<typeof LogBatchesSchema>;

/**
 * Validates options, throwing an Error that lists each problem and the expected form.
 *
 * @example
 * parseCallbackOptions({ logBatches: { every: 10 } });
 */
export function parseCallbackOptions(options: unknown): CallbackOptions {
  // No options, or only the tfjs module (the preload hook's `instrument(tf)`): nothing for zod
  // to check, and the hook's start path does not load it.
  if (options === undefined || options === null) return {};
  if (typeof options === 'object' && Object.keys(options).every((key) => key === 'tf')) {
    const { tf } = options as { tf?: unknown };
    if (tf === undefined) return {};
    if (isTfModule(tf)) return { tf };
  }
  const result = CallbackOptionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'options';
    return `${where}: ${issue.message}`;
  });
  throw new Error(
    `mlmeta.callback(): invalid options — ${problems.join('; ')}. ` +
      `Valid keys: ${Object.keys(CallbackOptionsSchema.shape).join(', ')}; logBatches is 'epoch', 'batch' or { every: N }.`,
  );
}
