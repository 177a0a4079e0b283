// A sequence-to-sequence model with dot-product attention, in the spirit of tfjs-examples'
// date-conversion-attention: an LSTM encoder, an LSTM decoder fed the previous target token
// (teacher forcing), dot-product attention over the encoder's outputs, a softmax over the output
// vocabulary at each step.
import { callbacks, done, tf } from './common.mjs';

const VOCAB = 6;
const IN_LEN = 5;
const OUT_LEN = 4;
const UNITS = 8;

const encoderInput = tf.input({ shape: [IN_LEN], name: 'encoderInput' });
const encoderEmbedding = tf.layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(encoderInput);
const encoderOutputs = tf.layers.lstm({ units: UNITS, returnSequences: true }).apply(encoderEmbedding);
const decoderInput = tf.input({ shape: [OUT_LEN], name: 'decoderInput' });
const decoderEmbedding = tf.layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(decoderInput);
const decoderOutputs = tf.layers.lstm({ units: UNITS, returnSequences: true }).apply(decoderEmbedding);
const scores = tf.layers.dot({ axes: [2, 2] }).apply([decoderOutputs, encoderOutputs]);
const attention = tf.layers.activation({ activation: 'softmax', name: 'attention' }).apply(scores);
const context = tf.layers.dot({ axes: [2, 1] }).apply([attention, encoderOutputs]);
const combined = tf.layers.concatenate().apply([context, decoderOutputs]);
const output = tf.layers
  .timeDistributed({ layer: tf.layers.dense({ units: VOCAB, activation: 'softmax' }) })
  .apply(combined);
const model = tf.model({ inputs: [encoderInput, decoderInput], outputs: output });
model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });

// The task: the decoder's target is the source's first four tokens reversed.
const N = 24;
const source = Array.from({ length: N }, (_, i) =>
  Array.from({ length: IN_LEN }, (_, t) => 1 + ((i + 2 * t) % 5)),
);
const target = source.map((row) => row.slice(0, OUT_LEN).reverse());
const teacher = target.map((row) => [0, ...row.slice(0, OUT_LEN - 1)]);
const x = [tf.tensor2d(source, [N, IN_LEN]), tf.tensor2d(teacher, [N, OUT_LEN])];
const y = tf.oneHot(tf.tensor2d(target, [N, OUT_LEN], 'int32'), VOCAB);

const epochs = Number(process.env.REALISTIC_EPOCHS ?? 2);
if (epochs > 2) console.log('seq2seq: training');
const history = await model.fit(x, y, { epochs, batchSize: 8, verbose: 0, callbacks: callbacks() });
const prediction = model.predict([x[0].slice(0, 3), x[1].slice(0, 3)]);
console.log(`seq2seq: ${history.epoch.length} epochs, prediction shape ${prediction.shape}`);
await done();
