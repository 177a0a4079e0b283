/**
 * Options of `callback()` and `instrument()`, validated with zod when they are given, so that a
 * mistake surfaces at setup with a message that says what to write, not halfway through training.
 */
import type { MetadataStore } from '@mlmeta/core';
import { z } from 'zod';
import { isTfModule } from './resolve-tf.js';
import type { TfModule } from './tf-types.js';

const LogBatchesSchema = z.union([
  z.literal('epoch'),
  z.literal('batch'),
  z.object({ every: z.number().int().positive() }).strict(),
]);

const StoreSchema = z.union([
  z.string().min(1),
  z.custom<MetadataStore>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as MetadataStore).putLineage === 'function',
    {
      message: 'expected a store URI (sqlite:<path>, postgres://..., http(s)://...) or an open MetadataStore',
    },
  ),
]);

const TfSchema = z.custom<TfModule>(isTfModule, {
  message: 'expected the TensorFlow.js module, e.g. `import * as tf from "@tensorflow/tfjs"` then { tf }',
});

export const CallbackOptionsSchema = z
  .object({
    /** Experiment context; default MLMETA_EXPERIMENT, else the entry script's name. */
    experiment: z.string().min(1).optional(),
    /** Name of the run; default MLMETA_RUN_NAME, else generated. */
    runName: z.string().min(1).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    /** 'epoch' (no batch metrics), 'batch' (every batch) or { every: N }; default MLMETA_LOG_BATCHES. */
    logBatches: LogBatchesSchema.optional(),
    /** Extra parameters recorded with the fit arguments (your own hyperparameters). */
    params: z.record(z.string(), z.unknown()).optional(),
    /** Where to record; default MLMETA_STORE, else sqlite:.mlmeta/mlmeta.db. */
    store: StoreSchema.optional(),
    /** Fingerprint x, y and validation data (default: MLMETA_CAPTURE's `dataset`, on). */
    captureDataset: z.boolean().optional(),
    /**
     * The model name its saves are versions of (`mlmeta models`); default the save path's name
     * (`file://./models/iris` → `iris`).
     */
    modelName: z.string().min(1).max(240).optional(),
    /** Stop training (model.stopTraining) when the loss becomes NaN or infinite. Default false. */
    stopOnNonFinite: z.boolean().optional(),
    /** The tfjs module your model comes from; default: resolved from your project. */
    tf: TfSchema.optional(),
  })
  .strict();

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
