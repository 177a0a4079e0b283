// Step 3: model + test split → a report (reports/evaluation.json). No mlmeta code.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadFrom } from './model-folder.mjs';

await tf.setBackend('cpu');
const model = await tf.loadLayersModel(loadFrom('model'));
const { species, rows } = JSON.parse(readFileSync('data/test.json', 'utf8'));
const predicted = model
  .predict(tf.tensor2d(rows.map((r) => r.x)))
  .argMax(1)
  .arraySync();
const correct = predicted.filter((p, i) => rows[i].y[p] === 1).length;
mkdirSync('reports', { recursive: true });
const report = { rows: rows.length, accuracy: correct / rows.length, species };
writeFileSync('reports/evaluation.json', JSON.stringify(report, null, 2));
console.log(`evaluated on ${rows.length} test rows: accuracy ${report.accuracy.toFixed(3)}`);
