// Web UI responsiveness on a seeded store of 10,000 runs (each in an experiment and a process
// context, with params and a final-metrics map) plus one run holding 1,000,000 metric points.
// Measures, through the real server on 127.0.0.1 (ui: true), what the browser waits for, and how
// many bytes it receives:
// - the runs page's one request (/api/v1/ui/runs, 50 rows with the total count): first load
//   (newest first), sorted by a final metric and by a param (server-side, across all runs),
//   filtered, a later page by offset; and the page shell (/runs → index.html);
// - the run page of the 1M-point run: its data (/api/v1/ui/runs/:id) and its chart's series
//   (/api/v1/metrics/series, downsampled on the server to ~2,000 points; full range and a zoomed
//   5% range).
// Usage: npm run build -w @mlmeta/core -w @mlmeta/server && node bench/ui-responsiveness.mjs [runs]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../packages/core/dist/index.js';
import { startServer } from '../packages/server/dist/index.js';
import { median } from './support/workload.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const REQUESTS_PER_RUN = Number(process.env.REQUESTS ?? 20);
const RUN_COUNT = 10_000;
const POINTS = 1_000_000;

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-ui-'));
const uri = `sqlite:${join(dir, 'ui.db')}`;
try {
  const started = performance.now();
  const store = await openStore(uri);
  await store.putTypes([
    { kind: 'execution', name: 'mlmeta.Train', baseType: 'mlmd.Train' },
    { kind: 'context', name: 'mlmeta.Experiment' },
    { kind: 'context', name: 'mlmeta.Process' },
  ]);
  const experiments = Array.from({ length: 20 }, (_, i) => ({
    type: 'mlmeta.Experiment',
    externalId: `experiment:exp-${i}`,
    name: `exp-${i}`,
  }));
  await store.putLineage({ contexts: experiments });
  const BATCH = 500;
  for (let from = 0; from < RUN_COUNT; from += BATCH) {
    const executions = [];
    const contexts = [];
    const associations = [];
    for (let i = from; i < from + BATCH; i++) {
      const t = 1_700_000_000_000 + i * 60_000;
      executions.push({
        type: 'mlmeta.Train',
        externalId: `run-${i}`,
        name: `run-${i}`,
        lastKnownState: i % 17 === 0 ? 'FAILED' : 'COMPLETE',
        customProperties: {
          'mlmeta.run_name': `run-${i}`,
          'mlmeta.start_time': t,
          'mlmeta.end_time': t + 30_000 + (i % 100) * 1000,
          'param.epochs': 10 + (i % 40),
          'param.batchSize': 2 ** (4 + (i % 4)),
          'param.lr': 0.001 * (1 + (i % 10)),
          optimizer: i % 2 ? 'Adam' : 'SGD',
          finalMetrics: { loss: 1 / (1 + (i % 97)), acc: (i % 97) / 97, val_loss: 1.1 / (1 + (i % 89)) },
          // The final values as the tracker writes them too: what the table sorts by in SQL.
          'metric.loss': 1 / (1 + (i % 97)),
          'metric.acc': (i % 97) / 97,
          'metric.val_loss': 1.1 / (1 + (i % 89)),
        },
      });
      contexts.push({
        type: 'mlmeta.Process',
        externalId: `process:${i}`,
        name: `host-${i % 8}:${i}`,
        customProperties: { host: `host-${i % 8}`, pid: 1000 + i },
      });
      associations.push(
        { execution: { externalId: `run-${i}` }, context: { externalId: `experiment:exp-${i % 20}` } },
        { execution: { externalId: `run-${i}` }, context: { externalId: `process:${i}` } },
      );
    }
    await store.putLineage({ executions, contexts, associations });
  }
  const big = await store.getExecution({ externalId: `run-${RUN_COUNT - 1}` });
  const CHUNK = 100_000;
  for (let from = 0; from < POINTS; from += CHUNK) {
    const points = [];
    for (let step = from; step < from + CHUNK; step++) {
      const spike = step % 99_991 === 0 ? 5 : 0;
      points.push({
        execution: { id: big.id },
        key: 'batch/loss',
        step,
        value: 2 / Math.sqrt(1 + step) + spike,
        wallTime: step,
      });
    }
    await store.appendMetrics(points);
  }
  console.log(
    `seeded ${RUN_COUNT} runs and ${POINTS} points in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const server = await startServer({ store, port: 0, ui: true, logger: false });
  const base = server.url;
  const timed = async (path) => {
    const t0 = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'identity' } });
    const body = await response.text();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - t0, body, bytes: Buffer.byteLength(body) };
  };
  const first = JSON.parse((await timed('/api/v1/ui/runs?limit=50')).body);
  const byLoss = JSON.parse((await timed('/api/v1/ui/runs?limit=50&sort=metric:loss&descending=false')).body);
  const filter = encodeURIComponent("custom_properties.optimizer = 'Adam' AND contexts.name = 'exp-3'");
  const full = JSON.parse(
    (await timed(`/api/v1/metrics/series?executionId=${big.id}&key=batch%2Floss&maxPoints=2000`)).body,
  );
  const spikes = full.points.filter((p) => (p.max ?? p.value) > 4).length;
  console.log(
    `first page: ${first.items.length} rows of ${first.total}; lowest loss first: ${byLoss.items[0].metrics.loss}; ` +
      `full series: ${full.total} stored → ${full.points.length} drawn, ${spikes} spike buckets kept (of 11)`,
  );
  const cases = {
    'page shell (/runs → index.html)': '/runs',
    'runs page, first load (50 rows, newest first, total)': '/api/v1/ui/runs?limit=50',
    'runs page sorted by a final metric (loss, ascending)':
      '/api/v1/ui/runs?limit=50&sort=metric:loss&descending=false',
    'runs page sorted by a param (lr)': '/api/v1/ui/runs?limit=50&sort=param:lr',
    'runs page sorted by loss, rows 5,001–5,050': '/api/v1/ui/runs?limit=50&sort=metric:loss&offset=5000',
    'runs page filtered (optimizer + experiment membership)': `/api/v1/ui/runs?limit=50&filter=${filter}`,
    'runs page filtered and sorted by loss': `/api/v1/ui/runs?limit=50&sort=metric:loss&filter=${filter}`,
    'run page data for the 1M-point run': `/api/v1/ui/runs/${big.id}`,
    'chart: 1M points → 2,000 (full range)': `/api/v1/metrics/series?executionId=${big.id}&key=batch%2Floss&maxPoints=2000`,
    'chart: zoomed 5% (50k points → 2,000)': `/api/v1/metrics/series?executionId=${big.id}&key=batch%2Floss&maxPoints=2000&fromStep=500000&toStep=550000`,
  };
  // What the sorted route did on every load before it sorted in SQL: read every matching run.
  const readAll = async () => {
    let pageToken;
    let count = 0;
    do {
      const page = await store.getExecutions({
        orderBy: 'createTime',
        descending: true,
        limit: 10_000,
        pageToken,
      });
      count += page.items.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return count;
  };
  const storeCases = {
    'store: one sorted page (ORDER BY metric.loss LIMIT 50 OFFSET 5000, COUNT)': () =>
      store.getExecutions({ orderByProperty: 'metric.loss', offset: 5000, limit: 50, withTotal: true }),
    'store: read all 10,000 runs (the sorted route, per load, before)': readAll,
  };
  const results = Object.fromEntries([...Object.keys(cases), ...Object.keys(storeCases)].map((k) => [k, []]));
  const bytes = {};
  for (let run = 0; run < RUNS; run++) {
    for (const [name, path] of Object.entries(cases)) {
      const times = [];
      for (let i = 0; i < REQUESTS_PER_RUN; i++) {
        const answer = await timed(path);
        times.push(answer.ms);
        bytes[name] = answer.bytes;
      }
      results[name].push(median(times));
    }
    for (const [name, call] of Object.entries(storeCases)) {
      const times = [];
      for (let i = 0; i < Math.min(REQUESTS_PER_RUN, 5); i++) {
        const t0 = performance.now();
        await call();
        times.push(performance.now() - t0);
      }
      results[name].push(median(times));
    }
    console.log(
      `run ${run + 1}: ${Object.values(results)
        .map((r) => r.at(-1).toFixed(1))
        .join(' / ')} ms`,
    );
  }
  console.log(
    `\nmedian of ${RUNS} runs (each the median of ${REQUESTS_PER_RUN} requests), uncompressed bytes:`,
  );
  for (const [name, values] of Object.entries(results))
    console.log(
      `  ${name}: ${median(values).toFixed(1)} ms${bytes[name] === undefined ? '' : `, ${(bytes[name] / 1024).toFixed(1)} KiB`}`,
    );
  await server.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
