// Converts the saved tfjs model (two dense layers) to model.onnx with onnx-proto. It stands for
// any converter, in any language: it knows nothing about mlmeta, and is declared afterwards
// with one command (`mlmeta derive model.onnx --from model`, see README).
import { readFileSync, writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const json = JSON.parse(readFileSync('model/model.json', 'utf8'));
const bytes = readFileSync('model/weights.bin');
const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
let offset = 0;
const tensors = json.weightsManifest[0].weights.map((spec) => {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = weights.subarray(offset, offset + size);
  offset += size;
  return onnx.TensorProto.create({
    name: spec.name.replace(/\W/g, '_'),
    dims: spec.shape,
    dataType: 1,
    rawData: new Uint8Array(values.slice().buffer),
  });
});
const [k1, b1, k2, b2] = tensors.map((t) => t.name);
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
const encoded = onnx.ModelProto.encode({
  irVersion: 8,
  producerName: 'examples/pipeline convert.mjs',
  opsetImport: [{ domain: '', version: 13 }],
  graph: {
    name: 'iris',
    node: [
      { opType: 'MatMul', input: ['features', k1], output: ['h0'] },
      { opType: 'Add', input: ['h0', b1], output: ['h1'] },
      { opType: 'Relu', input: ['h1'], output: ['h2'] },
      { opType: 'MatMul', input: ['h2', k2], output: ['h3'] },
      { opType: 'Add', input: ['h3', b2], output: ['h4'] },
      {
        opType: 'Softmax',
        input: ['h4'],
        output: ['probabilities'],
        attribute: [{ name: 'axis', type: 2, i: 1 }],
      },
    ],
    initializer: tensors,
    input: [info('features', ['batch', 4])],
    output: [info('probabilities', ['batch', 3])],
  },
}).finish();
writeFileSync('model.onnx', encoded);
console.log(`converted model/ to model.onnx (${encoded.length} bytes)`);
