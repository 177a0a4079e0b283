// The smallest end-to-end use of @mlmeta/core: record dataset → train execution → model in an
// experiment context, into the default store (sqlite:.mlmeta/mlmeta.db, or MLMETA_STORE), then
// ask where the model came from. Run it twice: the writes are idempotent, nothing is duplicated.
import { DEFAULT_STORE_URI, MLMETA_TYPE_DECLARATIONS, openStore } from '@mlmeta/core';

const uri = process.env.MLMETA_STORE || DEFAULT_STORE_URI;
const store = await openStore(uri);
try {
  await store.putLineage({
    types: [
      ...MLMETA_TYPE_DECLARATIONS,
      { kind: 'artifact', name: 'mlmeta.Dataset', baseType: 'mlmd.Dataset', properties: { rows: 'INT' } },
      { kind: 'artifact', name: 'mlmeta.Model', baseType: 'mlmd.Model', properties: { accuracy: 'DOUBLE' } },
      { kind: 'execution', name: 'mlmeta.Train', baseType: 'mlmd.Train', properties: { epochs: 'INT' } },
    ],
    artifacts: [
      {
        type: 'mlmeta.Dataset',
        externalId: 'demo:iris',
        uri: 'file://iris.csv',
        state: 'LIVE',
        properties: { rows: 150 },
      },
      { type: 'mlmeta.Model', externalId: 'demo:iris-model', state: 'LIVE', properties: { accuracy: 0.96 } },
    ],
    executions: [
      {
        type: 'mlmeta.Train',
        externalId: 'demo:train-1',
        lastKnownState: 'COMPLETE',
        properties: { epochs: 20 },
        customProperties: { optimizer: { name: 'adam', learningRate: 0.01 } },
      },
    ],
    contexts: [{ type: 'mlmeta.Experiment', name: 'core-demo', externalId: 'demo:experiment' }],
    events: [
      { artifact: { externalId: 'demo:iris' }, execution: { externalId: 'demo:train-1' }, type: 'INPUT' },
      {
        artifact: { externalId: 'demo:iris-model' },
        execution: { externalId: 'demo:train-1' },
        type: 'OUTPUT',
      },
    ],
    attributions: [
      { artifact: { externalId: 'demo:iris' }, context: { externalId: 'demo:experiment' } },
      { artifact: { externalId: 'demo:iris-model' }, context: { externalId: 'demo:experiment' } },
    ],
    associations: [{ execution: { externalId: 'demo:train-1' }, context: { externalId: 'demo:experiment' } }],
  });
  await store.appendMetrics(
    Array.from({ length: 20 }, (_, epoch) => ({
      execution: { externalId: 'demo:train-1' },
      key: 'loss',
      step: epoch,
      value: 1.1 * Math.exp(-epoch / 6),
      wallTime: Date.now(),
    })),
  );

  const graph = await store.getLineage({
    start: { artifacts: { externalIds: ['demo:iris-model'] } },
    direction: 'upstream',
  });
  const label = (node) => `${node.type} ${node.externalId ?? node.name ?? `#${node.id}`}`;
  const artifacts = new Map(graph.artifacts.map((a) => [a.id, a]));
  const executions = new Map(graph.executions.map((e) => [e.id, e]));
  console.log(`store: ${store.uri}`);
  console.log('lineage of demo:iris-model (upstream):');
  for (const event of graph.events) {
    const artifact = label(artifacts.get(event.artifactId));
    const execution = label(executions.get(event.executionId));
    console.log(
      event.type.includes('INPUT') ? `  ${artifact} → ${execution}` : `  ${execution} → ${artifact}`,
    );
  }
  for (const context of graph.contexts) console.log(`  in context ${label(context)}`);
  const model = graph.artifacts.find((a) => a.externalId === 'demo:iris-model');
  const train = graph.executions[0];
  console.log(
    `model accuracy ${model?.properties.accuracy}; trained with ${JSON.stringify(train?.customProperties.optimizer)}`,
  );
  const [loss] = await store.getMetricKeys({ externalId: 'demo:train-1' });
  console.log(`loss: ${loss?.count} epochs, last ${loss?.lastValue.toFixed(4)}`);
} finally {
  await store.close();
}
