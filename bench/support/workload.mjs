// What the store benchmarks write, shared so that SQLite, PostgreSQL and the server are measured
// on the same records; and the one median every benchmark reports.

/** The middle value (upper middle for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Types declared by the lineage-ingest benchmarks. */
export const TYPES = [
  { kind: 'artifact', name: 'bench.Dataset', baseType: 'mlmd.Dataset', properties: { rows: 'INT' } },
  { kind: 'artifact', name: 'bench.Model', baseType: 'mlmd.Model', properties: { accuracy: 'DOUBLE' } },
  { kind: 'execution', name: 'bench.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
  { kind: 'context', name: 'bench.Experiment' },
];

/** One training step's lineage: dataset → train → model in an experiment. */
export function lineageBatch(run, i) {
  const id = `${run}-${i}`;
  return {
    artifacts: [
      {
        type: 'bench.Dataset',
        externalId: `ds-${id}`,
        uri: `file:///data/${id}.csv`,
        properties: { rows: 1000 },
      },
      { type: 'bench.Model', externalId: `model-${id}`, properties: { accuracy: 0.9 } },
    ],
    executions: [
      {
        type: 'bench.Train',
        externalId: `run-${id}`,
        lastKnownState: 'COMPLETE',
        properties: { epochs: 10 },
        customProperties: { optimizer: { name: 'adam', lr: 0.001 } },
      },
    ],
    contexts: [{ type: 'bench.Experiment', name: `exp-${run}`, externalId: `exp-${run}` }],
    events: [
      { artifact: { externalId: `ds-${id}` }, execution: { externalId: `run-${id}` }, type: 'INPUT' },
      { artifact: { externalId: `model-${id}` }, execution: { externalId: `run-${id}` }, type: 'OUTPUT' },
    ],
    attributions: [
      { artifact: { externalId: `ds-${id}` }, context: { externalId: `exp-${run}` } },
      { artifact: { externalId: `model-${id}` }, context: { externalId: `exp-${run}` } },
    ],
    associations: [{ execution: { externalId: `run-${id}` }, context: { externalId: `exp-${run}` } }],
  };
}
