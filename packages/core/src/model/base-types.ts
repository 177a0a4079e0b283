import type { TypeInput } from './schemas.js';

/** MLMD's system base types. A type may name one of these as its `baseType`. */
export const BASE_ARTIFACT_TYPES = ['mlmd.Dataset', 'mlmd.Model', 'mlmd.Metrics', 'mlmd.Statistics'] as const;
/**
 * MLMD's system base types for executions.
 *
 * @example
 * await store.putTypes([{ kind: 'execution', name: 'my.Featurize', baseType: BASE_EXECUTION_TYPES[1] }]);
 */
export const BASE_EXECUTION_TYPES = [
  'mlmd.Train',
  'mlmd.Transform',
  'mlmd.Process',
  'mlmd.Evaluate',
  'mlmd.Deploy',
] as const;
/**
 * One of MLMD's system base type names.
 *
 * @example
 * const base: BaseTypeName = 'mlmd.Model';
 */
export type BaseTypeName = (typeof BASE_ARTIFACT_TYPES)[number] | (typeof BASE_EXECUTION_TYPES)[number];

/** Names of mlmeta's own types, declared on first write by the tracker and the integrations. */
export const MLMETA_TYPES = {
  train: 'mlmeta.Train',
  evaluate: 'mlmeta.Evaluate',
  serve: 'mlmeta.Serve',
  run: 'mlmeta.Run',
  dataset: 'mlmeta.Dataset',
  model: 'mlmeta.Model',
  metrics: 'mlmeta.Metrics',
  experiment: 'mlmeta.Experiment',
  process: 'mlmeta.Process',
  /** A pipeline (MLMETA_PIPELINE), parent of its runs. */
  pipeline: 'mlmeta.Pipeline',
  /** One run of a pipeline: the parent of its steps' process contexts. */
  pipelineRun: 'mlmeta.PipelineRun',
  /** A script under the preload hook: the execution its files are inputs and outputs of. */
  script: 'mlmeta.Script',
  /**
   * A model name (MLflow's "registered model"): its versions are the artifacts attributed to it,
   * numbered in `version.<n>` properties; its aliases are `alias.<name>` properties.
   */
  registeredModel: 'mlmeta.RegisteredModel',
} as const;

/** The type declarations mlmeta writes. Properties are added over time, never removed. */
export const MLMETA_TYPE_DECLARATIONS: TypeInput[] = [
  { kind: 'execution', name: MLMETA_TYPES.run, baseType: 'mlmd.Process', properties: {} },
  { kind: 'execution', name: MLMETA_TYPES.train, baseType: 'mlmd.Train', properties: {} },
  { kind: 'execution', name: MLMETA_TYPES.evaluate, baseType: 'mlmd.Evaluate', properties: {} },
  { kind: 'execution', name: MLMETA_TYPES.serve, baseType: 'mlmd.Deploy', properties: {} },
  { kind: 'artifact', name: MLMETA_TYPES.dataset, baseType: 'mlmd.Dataset', properties: {} },
  { kind: 'artifact', name: MLMETA_TYPES.model, baseType: 'mlmd.Model', properties: {} },
  { kind: 'artifact', name: MLMETA_TYPES.metrics, baseType: 'mlmd.Metrics', properties: {} },
  { kind: 'context', name: MLMETA_TYPES.experiment, properties: {} },
  { kind: 'context', name: MLMETA_TYPES.process, properties: {} },
  { kind: 'context', name: MLMETA_TYPES.pipeline, properties: {} },
  { kind: 'context', name: MLMETA_TYPES.pipelineRun, properties: {} },
  { kind: 'execution', name: MLMETA_TYPES.script, baseType: 'mlmd.Process', properties: {} },
  { kind: 'context', name: MLMETA_TYPES.registeredModel, properties: {} },
];
