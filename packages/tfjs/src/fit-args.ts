/**
 * The arguments of one fit/fitDataset call as hyperparameters, with tfjs's defaults filled in
 * (MLflow records defaults too: "epochs was 1" is a fact about the run even if nobody wrote it).
 */

/** tfjs-layers 4.x defaults of ModelFitArgs. */
const FIT_DEFAULTS = {
  batchSize: 32,
  epochs: 1,
  verbose: 1,
  validationSplit: 0,
  shuffle: true,
  initialEpoch: 0,
  yieldEvery: 'auto',
  classWeight: null,
  stepsPerEpoch: null,
  validationSteps: null,
} as const;

/** tfjs-layers 4.x defaults of ModelFitDatasetArgs. */
const FIT_DATASET_DEFAULTS = {
  epochs: 1,
  verbose: 1,
  initialEpoch: 0,
  yieldEvery: 'auto',
  batchesPerEpoch: null,
  validationBatchSize: 32,
  validationBatches: null,
  classWeight: null,
} as const;

/** Arguments that hold data or code rather than settings: recorded elsewhere or not at all. */
const NOT_PARAMS = new Set(['callbacks', 'validationData', 'sampleWeight']);

export type FitKind = 'fit' | 'fitDataset';

function describeValidation(value: unknown): string | null {
  if (value == null) return null;
  if (Array.isArray(value)) return 'tensors';
  if (typeof (value as { iterator?: unknown }).iterator === 'function') return 'dataset';
  return 'tensors';
}

function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function') return `[function ${(value as { name?: string }).name || 'anonymous'}]`;
  return value;
}

/**
 * The recorded parameters of one call: defaults, then what the user passed, plus `method` and a
 * description of validation data.
 *
 * @example
 * fitParams('fit', { epochs: 5 }) // { method: 'fit', batchSize: 32, epochs: 5, shuffle: true, ... }
 */
export function fitParams(kind: FitKind, args: Record<string, unknown> | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = {
    method: kind,
    ...(kind === 'fit' ? FIT_DEFAULTS : FIT_DATASET_DEFAULTS),
  };
  for (const [key, value] of Object.entries(args ?? {})) {
    if (NOT_PARAMS.has(key) || value === undefined) continue;
    params[key] = plain(value);
  }
  params.validationData = describeValidation(args?.validationData);
  if (args?.sampleWeight != null) params.sampleWeight = 'tensor';
  return params;
}

/** Effective epochs of a call, for examples/s and the completed-epoch count. */
export function fitEpochs(args: Record<string, unknown> | undefined): {
  epochs: number;
  initialEpoch: number;
} {
  const epochs = typeof args?.epochs === 'number' ? args.epochs : 1;
  const initialEpoch = typeof args?.initialEpoch === 'number' ? args.initialEpoch : 0;
  return { epochs, initialEpoch };
}
