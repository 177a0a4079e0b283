// The one generated workload both sides of bench/peers write: training runs with params, an input
// dataset shared by many runs, an output model, an experiment, final metrics and per-epoch and
// per-batch series. Deterministic, so every round and every peer sees the same records.

const LEARNING_RATES = [0.1, 0.03, 0.01, 0.003, 0.001];
const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];

/** A small LCG: the same sequence for the same seed. */
function generator(seed) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * `count` runs named `${prefix}-${i}`; runs share `datasets` datasets and `experiments`
 * experiments round-robin. Each run's final metrics are what its last epoch logged.
 */
export function generateRuns({ count, prefix = 'run', datasets = 50, experiments = 10, seed = 7 }) {
  const random = generator(seed);
  return Array.from({ length: count }, (_, i) => {
    const epochs = 5 + (i % 16);
    const loss = Number((0.05 + random()).toFixed(6));
    return {
      id: `${prefix}-${i}`,
      name: `${prefix}-${i}`,
      experiment: `exp-${i % experiments}`,
      params: {
        learning_rate: LEARNING_RATES[i % LEARNING_RATES.length],
        batch_size: 2 ** (4 + (i % 4)),
        epochs,
        optimizer: OPTIMIZERS[i % OPTIMIZERS.length],
        dropout: Number(((i % 5) / 10).toFixed(1)),
      },
      final: { loss, accuracy: Number((1 - loss / 2).toFixed(6)) },
      dataset: { id: `ds-${i % datasets}`, uri: `file:///data/train-${i % datasets}.csv`, rows: 10_000 },
      model: { id: `model-${prefix}-${i}`, uri: `file:///models/${prefix}-${i}`, accuracy: 0.9 },
    };
  });
}

/** Metric points for one run: [key, step, value, wallTimeMs], per-batch `loss` then per-epoch pairs. */
export function metricPoints(count, { keys = ['loss', 'accuracy'] } = {}) {
  const random = generator(count);
  const t0 = 1_700_000_000_000;
  return Array.from({ length: count }, (_, i) => [
    keys[i % keys.length],
    Math.floor(i / keys.length),
    random(),
    t0 + i,
  ]);
}

/** The types every mlmeta-side lineage write declares (the peer declares the same, in its own API). */
export const TYPES = [
  { kind: 'artifact', name: 'bench.Dataset', baseType: 'mlmd.Dataset', properties: { rows: 'INT' } },
  { kind: 'artifact', name: 'bench.Model', baseType: 'mlmd.Model', properties: { accuracy: 'DOUBLE' } },
  { kind: 'execution', name: 'bench.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
  { kind: 'context', name: 'bench.Experiment' },
];

/** One run as mlmeta's putLineage batch: the same nodes and edges as the peer's put_lineage_subgraph. */
export function lineageBatch(run) {
  return {
    types: TYPES,
    artifacts: [
      {
        type: 'bench.Dataset',
        externalId: run.dataset.id,
        uri: run.dataset.uri,
        state: 'LIVE',
        properties: { rows: run.dataset.rows },
      },
      {
        type: 'bench.Model',
        externalId: run.model.id,
        uri: run.model.uri,
        state: 'LIVE',
        properties: { accuracy: run.model.accuracy },
      },
    ],
    executions: [
      {
        type: 'bench.Train',
        externalId: run.id,
        name: run.name,
        lastKnownState: 'COMPLETE',
        properties: { epochs: run.params.epochs },
        customProperties: run.params,
      },
    ],
    contexts: [{ type: 'bench.Experiment', name: run.experiment, externalId: run.experiment }],
    events: [
      { artifact: { externalId: run.dataset.id }, execution: { externalId: run.id }, type: 'INPUT' },
      { artifact: { externalId: run.model.id }, execution: { externalId: run.id }, type: 'OUTPUT' },
    ],
    attributions: [
      { artifact: { externalId: run.dataset.id }, context: { externalId: run.experiment } },
      { artifact: { externalId: run.model.id }, context: { externalId: run.experiment } },
    ],
    associations: [{ execution: { externalId: run.id }, context: { externalId: run.experiment } }],
  };
}
