// What redaction costs, on the built @mlmeta/core (npm run build -w @mlmeta/core first):
//  1. redactBatch on what the writer seals per flush: a run start (types, execution, contexts,
//     associations) and 2,000 metric points, per batch and per point;
//  2. redactString on one typical mlmeta log line, next to writing that line (the log call);
//  3. redactString on a 500 KB git diff (the largest text mlmeta records), and how much of it
//     is secretlint's rules;
//  4. loading secretlint's rules (first text that could hold a token), in a fresh process.
// `CORE=<path to a dist/index.js>` measures another build (an older commit) side by side.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median } from './support/workload.mjs';

const coreUrl = process.env.CORE ? pathToFileURL(process.env.CORE).href : '../packages/core/dist/index.js';
if (process.argv[2] === '--first-load') {
  const core = await import(coreUrl);
  const t0 = performance.now();
  core.redactString('store unreachable; spooled 2000 points of run-20261201-120000 to .mlmeta/spool');
  console.log(performance.now() - t0);
  process.exit(0);
}
const core = await import(coreUrl);

function time(fn, reps) {
  fn();
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    runs.push(((performance.now() - t0) * 1000) / reps);
  }
  return median(runs);
}

const ref = { externalId: '3b241101-e2bb-4255-8caf-4136c566a962' };
const batch = {
  lineage: {
    types: [{ kind: 'execution', name: 'mlmeta.Train', baseType: 'mlmd.Train', properties: {} }],
    executions: [
      {
        type: 'mlmeta.Train',
        externalId: ref.externalId,
        name: 'run-20261201-120000-3b241101-e2b',
        lastKnownState: 'RUNNING',
        customProperties: {
          'mlmeta.run_name': 'run-20261201-120000',
          'mlmeta.start_time': 1796156994810,
          'param.epochs': 50,
          'param.optimizer': 'adam',
          'param.optimizer.learningRate': 0.001,
          'param.loss': 'categoricalCrossentropy',
          'param.validationSplit': 0.2,
        },
      },
    ],
    contexts: [{ type: 'mlmeta.Experiment', externalId: 'experiment:iris', name: 'iris' }],
    associations: [{ execution: ref, context: { externalId: 'experiment:iris' } }],
  },
  metrics: Array.from({ length: 2000 }, (_, i) => ({
    execution: ref,
    key: ['loss', 'acc', 'val_loss'][i % 3],
    step: i,
    value: 1 / (i + 1),
    wallTime: 1796156994810 + i,
  })),
};

const line =
  '[mlmeta] warn: could not write to the store (SQLITE_BUSY: database is locked); records are kept in the spool .mlmeta/spool/1796156994810-host-4242.jsonl';
const devNull = openSync('/dev/null', 'w');
let diff = '';
for (let i = 0; diff.length < 500 * 1024; i++) {
  diff += `+  const value${i} = computeSomething(input${i}, { lr: 0.001, epochs: ${i} }); // note ${i}\n`;
}

const rows = [];
if (core.redactBatch) {
  const perBatch = time(() => core.redactBatch(batch), 200);
  rows.push([
    'redactBatch, run start + 2,000 points',
    `${(perBatch / 1000).toFixed(2)} ms/batch`,
    `${((perBatch * 1000) / 2000).toFixed(0)} ns/point`,
  ]);
}
const write = time(() => writeSync(devNull, `${line}\n`), 20_000);
// Distinct lines: a line seen before is answered from the memo of short strings.
const lines = Array.from({ length: 200_000 }, (_, i) => `${line} (${i})`);
let next = 0;
const redactLine = time(() => core.redactString(lines[next++ % lines.length]), 2_000);
const redactLineMemo = time(() => core.redactString('val_loss'), 200_000);
rows.push(['write one log line to /dev/null', `${write.toFixed(2)} µs`, '']);
rows.push([
  'redactString, such a log line (not seen before)',
  `${redactLine.toFixed(2)} µs`,
  `${(redactLine / write).toFixed(1)}× the write`,
]);
rows.push([
  'redactString, a short repeated string (metric key)',
  `${(redactLineMemo * 1000).toFixed(0)} ns`,
  '',
]);
rows.push([
  'redactString, 500 KB diff',
  `${(time(() => core.redactString(`${diff} `), 3) / 1000).toFixed(1)} ms`,
  '',
]);
closeSync(devNull);

const loads = [];
for (let i = 0; i < 5; i++) {
  const out = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--first-load'], {
    env: { ...process.env },
    encoding: 'utf8',
  });
  loads.push(Number(out.stdout.trim()));
}
rows.push(['first redactString in a process (loads the rules)', `${median(loads).toFixed(1)} ms`, '']);
for (const row of rows) console.log(row.join(' | '));
