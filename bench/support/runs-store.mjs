// A SQLite store holding many training runs shaped like real ones, for the CLI benchmarks: one run
// recorded by the tracker (so types, the experiment context and every run property are what
// mlmeta writes), then copies of it with their own params, state and metric series.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MLMETA_TYPES, openStore } from '@mlmeta/core';

const BATCH = 500;
const STEPS = 20;

/** Builds `runs` runs into `path` unless a store with that many is there already. */
export async function buildRunsStore(path, runs) {
  const uri = `sqlite:${path}`;
  if (existsSync(path)) {
    const store = await openStore(uri, { readOnly: true });
    const page = await store.getExecutions({
      type: MLMETA_TYPES.run,
      limit: 1,
      descending: true,
      orderBy: 'id',
    });
    await store.close();
    if ((page.items[0]?.id ?? 0) >= runs) return uri;
  }
  // The template run is recorded by a process of its own, which flushes it when it exits (a
  // script file: the store's worker thread inherits node's flags, and --input-type breaks it).
  const script = join(dirname(path), 'template-run.mjs');
  writeFileSync(
    script,
    `
    import { startRun } from '${import.meta.resolve('@mlmeta/core')}';
    const run = startRun({
      experiment: 'bench',
      name: 'run-0',
      params: { lr: 0.001, batchSize: 32, epochs: ${STEPS}, optimizer: 'adam', dropout: 0.1 },
    });
    run.logMetrics({ loss: 1, acc: 0.5 }, 0);
    await run.end();`,
  );
  const recorded = spawnSync(process.execPath, [script], {
    env: { ...process.env, MLMETA_STORE: uri, MLMETA_SPOOL_DIR: join(dirname(path), 'spool') },
    encoding: 'utf8',
  });
  if (recorded.status !== 0) throw new Error(`recording the template run failed: ${recorded.stderr}`);

  const store = await openStore(uri);
  const [first] = (await store.getExecutions({ type: MLMETA_TYPES.run, limit: 1 })).items;
  const [experiment] = (await store.getContexts({ type: MLMETA_TYPES.experiment, limit: 1 })).items;
  for (let start = 1; start < runs; start += BATCH) {
    const executions = [];
    const points = [];
    for (let i = start; i < Math.min(runs, start + BATCH); i++) {
      const created = first.createTimeSinceEpoch + i * 1000;
      executions.push({
        type: first.type,
        externalId: `bench-run-${i}`,
        name: `run-${i}`,
        lastKnownState: i % 10 === 0 ? 'FAILED' : 'COMPLETE',
        properties: first.properties,
        customProperties: {
          ...first.customProperties,
          'param.lr': [0.1, 0.01, 0.001][i % 3],
          'param.batchSize': [16, 32, 64, 128][i % 4],
          'mlmeta.run_name': `run-${i}`,
          'mlmeta.start_time': created,
          'mlmeta.end_time': created + 60_000,
        },
      });
      for (let step = 0; step < STEPS; step++) {
        const execution = { externalId: `bench-run-${i}` };
        const wallTime = created + step * 1000;
        points.push({ execution, key: 'loss', step, value: 1 / (step + 1), wallTime });
        points.push({ execution, key: 'acc', step, value: step / STEPS, wallTime });
      }
    }
    await store.putLineage({
      executions,
      associations: executions.map((e) => ({
        execution: { externalId: e.externalId },
        context: { id: experiment.id },
      })),
    });
    await store.appendMetrics(points);
  }
  await store.close();
  return uri;
}
