// Cost that @mlmeta/onnx adds to each session.run(): an instrumented session against a bare one
// on a tiny model (Y = X·W + B), interleaved, median ns/run over several rounds. A second pair
// isolates the wrapper from onnxruntime's own variance: the same wrapper around a trivial async
// run(). Run `npm run build` first; `node bench/onnx-run-overhead.mjs`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './support/workload.mjs';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-onnx-'));
process.env.MLMETA_STORE = `sqlite:${join(dir, 'bench.db')}`;
process.env.MLMETA_SPOOL_DIR = join(dir, 'spool');
process.env.MLMETA_CAPTURE_DISABLED = 'git,packages,hardware';

const ort = await import('onnxruntime-node');
const { onnx } = (await import('onnx-proto')).default;
const { instrument, uninstrument, flushServing } = await import('@mlmeta/onnx');

const ROUNDS = 7;

function tinyModel() {
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
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: [
        { opType: 'MatMul', input: ['X', 'W'], output: ['XW'] },
        { opType: 'Add', input: ['XW', 'B'], output: ['Y'] },
      ],
      initializer: [tensor('W', [2, 3], [1, 2, 3, 4, 5, 6]), tensor('B', [3], [0, 0, 0])],
      input: [info('X', ['batch', 2])],
      output: [info('Y', ['batch', 3])],
    },
  }).finish();
}

async function timeCalls(session, feeds, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await session.run(feeds);
  return performance.now() - start;
}

/**
 * Each round alternates short blocks of bare and instrumented calls (order flipped every block),
 * so that drift in machine speed hits both sides alike; a round gives ns/run for each side.
 */
async function compare(label, bare, instrumented, feeds, { blocks, callsPerBlock }) {
  await timeCalls(bare, feeds, 5 * callsPerBlock);
  await timeCalls(instrumented, feeds, 5 * callsPerBlock);
  const bareNs = [];
  const instNs = [];
  for (let round = 0; round < ROUNDS; round++) {
    let bareMs = 0;
    let instMs = 0;
    for (let block = 0; block < blocks; block++) {
      if (block % 2 === 0) {
        bareMs += await timeCalls(bare, feeds, callsPerBlock);
        instMs += await timeCalls(instrumented, feeds, callsPerBlock);
      } else {
        instMs += await timeCalls(instrumented, feeds, callsPerBlock);
        bareMs += await timeCalls(bare, feeds, callsPerBlock);
      }
    }
    const calls = blocks * callsPerBlock;
    bareNs.push((bareMs * 1e6) / calls);
    instNs.push((instMs * 1e6) / calls);
  }
  const deltas = instNs.map((ns, i) => ns - bareNs[i]);
  console.log(
    `${label}: bare ${median(bareNs).toFixed(0)} ns/run, instrumented ${median(instNs).toFixed(0)} ns/run, ` +
      `added ${median(deltas).toFixed(0)} ns/run (median of ${ROUNDS} rounds of ${blocks}x${callsPerBlock} calls per side; ` +
      `per-round deltas ${deltas.map((d) => d.toFixed(0)).join(' ')})`,
  );
}

// Reference: what the two timestamps alone cost.
{
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const n = 1_000_000;
    const start = performance.now();
    let sink = 0;
    for (let i = 0; i < n; i++) sink += performance.now() - performance.now();
    samples.push(((performance.now() - start) * 1e6) / n);
    if (sink > 1) console.log('');
  }
  console.log(`two performance.now() calls: ${median(samples).toFixed(0)} ns`);
}

const modelPath = join(dir, 'tiny.onnx');
writeFileSync(modelPath, tinyModel());
const feeds = { X: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]) };

// onnxruntime-node, tiny model.
const bare = await ort.InferenceSession.create(modelPath);
instrument(ort);
const instrumented = await ort.InferenceSession.create(modelPath);
uninstrument(ort);
await compare('onnxruntime-node tiny model', bare, instrumented, feeds, { blocks: 40, callsPerBlock: 500 });

// The wrapper alone, around a run() that does nothing but resolve.
const result = { Y: null };
const trivialOrt = {
  InferenceSession: {
    create: async () => ({
      inputNames: ['X'],
      outputNames: ['Y'],
      run: async () => result,
      release: async () => {},
    }),
  },
};
const trivialBare = await trivialOrt.InferenceSession.create(modelPath);
instrument(trivialOrt);
const trivialInstrumented = await trivialOrt.InferenceSession.create(modelPath);
await compare('wrapper around a trivial async run()', trivialBare, trivialInstrumented, feeds, {
  blocks: 40,
  callsPerBlock: 25_000,
});

await Promise.all([bare.release(), instrumented.release(), trivialInstrumented.release()]);
await flushServing();
console.log(
  `node ${process.version}, onnxruntime-node ${ort.env.versions.node}, ${cpus()[0].model} x${cpus().length}`,
);
