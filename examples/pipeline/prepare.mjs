// Step 1: raw CSV → features. Standardizes the four measurements, one-hot encodes the species and
// splits 80/20 with a fixed order. No mlmeta code: run it under the preload hook (see README).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const [header, ...lines] = readFileSync('data/raw.csv', 'utf8').trim().split('\n');
const species = [...new Set(lines.map((line) => line.split(',').at(-1)))].sort();
const rows = lines.map((line) => {
  const cells = line.split(',');
  return { x: cells.slice(0, 4).map(Number), label: species.indexOf(cells[4]) };
});
const mean = [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r.x[j], 0) / rows.length);
const std = [0, 1, 2, 3].map((j) =>
  Math.sqrt(rows.reduce((s, r) => s + (r.x[j] - mean[j]) ** 2, 0) / rows.length),
);
const encoded = rows.map((r) => ({
  x: r.x.map((v, j) => (v - mean[j]) / std[j]),
  y: species.map((_, k) => (k === r.label ? 1 : 0)),
}));
const test = encoded.filter((_, i) => i % 5 === 0);
const train = encoded.filter((_, i) => i % 5 !== 0);

mkdirSync('data', { recursive: true });
writeFileSync(
  'data/features.json',
  JSON.stringify({ columns: header.split(',').slice(0, 4), species, rows: train }),
);
writeFileSync('data/test.json', JSON.stringify({ species, rows: test }));
console.log(`prepared ${train.length} training and ${test.length} test rows`);
