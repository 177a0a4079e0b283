// Serving lineage end to end: a tracked "export" run writes a tiny ONNX model (Y = X·W + B) and
// declares it as its output; onnxruntime-node, instrumented by @mlmeta/onnx, serves it; then
// the store answers "where did the served model come from?" and "what is deployed?".
// Run with `npm run build && npm start -w examples/onnx-serving`. Records go to MLMETA_STORE
// (default sqlite:.mlmeta/mlmeta.db in this folder).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployedModels, fingerprintTensors, openStore, startRun } from '@mlmeta/core';
import { digestModelFile, flushServing, instrument, servingRun } from '@mlmeta/onnx';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const storeUri = process.env.MLMETA_STORE || 'sqlite:.mlmeta/mlmeta.db';

// ---- the "training" data and the exported model: least squares would find W and B; we write them.
const X = Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1]);
const W = [2, -1, 0.5, 1, 3, -2];
const B = [0.1, 0.2, 0.3];

function linearModel() {
  const tensor = (name, dims, values) =>
    onnx.TensorProto.create({
      name,
      dims,
      dataType: 1,
      rawData: new Uint8Array(new Float32Array(values).buffer),
    });
  const info = (name, dims) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'mlmeta-example',
    producerVersion: '0.1.0',
    modelVersion: 1,
    docString: 'Y = X W + B',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: [{ key: 'owner', value: 'examples' }],
    graph: {
      name: 'linear',
      node: [
        { opType: 'MatMul', input: ['X', 'W'], output: ['XW'] },
        { opType: 'Add', input: ['XW', 'B'], output: ['Y'] },
      ],
      initializer: [tensor('W', [2, 3], W), tensor('B', [3], B)],
      input: [info('X', ['batch', 2])],
      output: [info('Y', ['batch', 3])],
    },
  }).finish();
}

mkdirSync('model', { recursive: true });
const modelPath = join('model', 'linear.onnx');
writeFileSync(modelPath, linearModel());

const exportRun = startRun({
  type: 'mlmeta.Train',
  name: 'export-linear',
  store: storeUri,
  params: { rows: 4 },
});
const dataset = fingerprintTensors([{ data: X, shape: [4, 2], dtype: 'float32', name: 'X' }]);
exportRun.logInput({ digest: dataset.digest, name: 'toy-xy', properties: { rows: dataset.rows }, role: 'x' });
exportRun.logOutput({ uri: modelPath, name: 'linear.onnx', digest: await digestModelFile(modelPath) });
await exportRun.end('COMPLETE');

// ---- serving: nothing mlmeta-specific below except instrument(ort).
instrument(ort, { store: storeUri });
const session = await ort.InferenceSession.create(modelPath);
for (const rows of [
  [[1, 2]],
  [
    [0, 0],
    [1, 1],
  ],
  [[3, -1]],
]) {
  const out = await session.run({
    X: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 2]),
  });
  console.log(
    `predict ${JSON.stringify(rows)} → ${JSON.stringify(Array.from(out.Y.data, (v) => +v.toFixed(3)))}`,
  );
}
const serveRunId = servingRun(session).id;
await session.release();
await flushServing();

// ---- questions to the store.
const store = await openStore(storeUri);
const serve = await store.getExecution({ externalId: serveRunId });
const lineage = await store.getLineage({ start: { executions: { ids: [serve.id] } }, direction: 'upstream' });
const byId = new Map([
  ...lineage.artifacts.map((a) => [`a${a.id}`, a]),
  ...lineage.executions.map((e) => [`e${e.id}`, e]),
]);
const label = (node) => `${node.type} ${node.name ?? ''} ${node.externalId?.slice(0, 20) ?? ''}`.trim();
console.log('\nlineage (upstream of the serve):');
for (const event of lineage.events) {
  const artifact = byId.get(`a${event.artifactId}`);
  const execution = byId.get(`e${event.executionId}`);
  if (event.type === 'INPUT') console.log(`  ${label(artifact)}  →  ${label(execution)}`);
  else console.log(`  ${label(execution)}  →  ${label(artifact)}`);
}
const latency = serve.customProperties['serve.latency_ms'];
console.log(
  `\nserve: ${serve.lastKnownState}, ${serve.customProperties['serve.calls']} calls, ` +
    `latency p50 ${latency.p50.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms`,
);

console.log('\ndeployed models:');
for (const d of await deployedModels(store)) {
  console.log(
    `  ${d.model} on ${d.host}: ${d.status} since ${new Date(d.startTime).toISOString()}; ` +
      `model ${d.modelArtifact?.externalId?.slice(0, 19) ?? '?'}…, produced by ${d.producer?.name ?? 'unknown run'}`,
  );
}
await store.close();
