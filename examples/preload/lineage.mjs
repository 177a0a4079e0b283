// Reads back what the preload hook recorded for `npm run train`: the latest fit, the data it was
// trained on, the model it produced and the process it ran in.
import { openStore } from '@mlmeta/core';

const store = await openStore(process.env.MLMETA_STORE || 'sqlite:.mlmeta/mlmeta.db');
try {
  const runs = await store.getExecutions({
    type: 'mlmeta.Train',
    orderBy: 'id',
    descending: true,
    pageSize: 1,
  });
  const run = runs.items[0];
  if (!run) {
    console.log('No training run recorded yet: run `npm run train` first.');
  } else {
    const p = run.customProperties;
    console.log(`run "${p['mlmeta.run_name']}" (execution #${run.id}): ${run.lastKnownState}`);
    console.log(`  epochs ${p['param.epochs']}, batchSize ${p['param.batchSize']}, optimizer ${p.optimizer}`);
    for (const event of await store.getEvents({ executionIds: [run.id] })) {
      const artifact = await store.getArtifact({ id: event.artifactId });
      const role = event.path.map((s) => s.key ?? s.index).join('.') || '-';
      const where = artifact.uri ? ` at ${artifact.uri}` : '';
      console.log(`  ${event.type.padEnd(6)} ${role}: ${artifact.type} ${artifact.externalId}${where}`);
    }
    for (const { contextId } of await store.getAssociations({ executionIds: [run.id] })) {
      const context = await store.getContext({ id: contextId });
      const c = context.customProperties;
      const ending = c.exit_code === undefined ? '' : `, exit code ${c.exit_code}`;
      console.log(`  in ${context.type} "${context.name}"${ending}`);
    }
  }
} finally {
  await store.close();
}
