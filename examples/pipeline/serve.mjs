// Step 4: serving. Loads the saved tfjs model and predicts one flower; and, when model.onnx
// exists (see convert.mjs), serves the same model with onnxruntime-node. No mlmeta code.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { loadFrom } from './model-folder.mjs';

await tf.setBackend('cpu');
const flower = [0.3, -0.6, 0.6, 0.4]; // standardized measurements
const model = await tf.loadLayersModel(loadFrom('model'));
const scores = model.predict(tf.tensor2d([flower])).arraySync()[0];
console.log(`tfjs: class ${scores.indexOf(Math.max(...scores))}`);
if (existsSync('model.onnx')) {
  const session = await ort.InferenceSession.create('model.onnx');
  const { probabilities } = await session.run({
    features: new ort.Tensor('float32', Float32Array.from(flower), [1, 4]),
  });
  const onnxScores = Array.from(probabilities.data);
  console.log(`onnx: class ${onnxScores.indexOf(Math.max(...onnxScores))}`);
}
