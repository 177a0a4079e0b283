// mlmeta against MLflow 3 (its own Python client), on the same workload and storage, in one run:
// - metric ingest: MLflow's log_batch (1,000 metrics a call, its limit) into a SQLite tracking
//   store, and through `mlflow server` on loopback, 1 and 32 clients; mlmeta's appendMetrics
//   in-process (SQLite) and through `mlmeta server` (HTTP store), 1 and 32 clients;
// - run search: 10,000 runs with params and final metrics, one params-and-metrics filter:
//   MLflow's search_runs against mlmeta's store API and `mlmeta runs --filter`.
// Each figure: mlmeta's median, MLflow's median, and their ratio (>1: mlmeta is faster).
// Usage: bash bench/peers/setup.sh && npm run build && node bench/peers/mlflow.mjs
//        (ROUNDS=5 POINTS=100000 CLIENT_POINTS=10000 SEARCH_RUNS=10000; BASELINE=<checkout> adds
//        the search of another built checkout, e.g. a `git worktree` of the commit before a
//        change, to the same rounds, on the same store file)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openStore, startRun } from '../../packages/core/dist/index.js';
import { median } from '../support/workload.mjs';
import { startPeer } from './peer-client.mjs';
import { report } from './report.mjs';
import { generateRuns, metricPoints } from './workload.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const POINTS = Number(process.env.POINTS ?? 100_000);
const CLIENTS = 32;
const CLIENT_POINTS = Number(process.env.CLIENT_POINTS ?? 10_000);
const SEARCH_RUNS = Number(process.env.SEARCH_RUNS ?? 10_000);
const BASELINE = process.env.BASELINE;
const MLFLOW_BATCH = 1_000;
const MLMETA_BATCH = 5_000;

const root = fileURLToPath(new URL('../../', import.meta.url));
const venvBin = join(root, '.venv-interop', 'bin');
const mlmetaServerBin = join(root, 'packages', 'server', 'dist', 'bin.js');
const mlmetaCliBin = join(root, 'packages', 'cli', 'dist', 'bin.js');

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a server process and waits until `url` answers. */
async function startServer(command, args, url, env = {}) {
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${stderr.slice(-2000)}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${command} did not answer at ${url}: ${stderr.slice(-2000)}`);
}

async function stopServer(child) {
  child.kill('SIGTERM');
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
}

const asMlmetaPoints = (runId, points) =>
  points.map(([key, step, value, wallTime]) => ({
    execution: { externalId: runId },
    key,
    step,
    value,
    wallTime,
  }));

async function registerRun(store, runId) {
  await store.putLineage({
    types: [{ kind: 'execution', name: 'bench.Train' }],
    executions: [{ type: 'bench.Train', externalId: runId, lastKnownState: 'RUNNING' }],
  });
}

/** Points/s of one client writing `points` to a new run of `store` in batches. */
async function mlmetaIngest(store, points, runId) {
  await registerRun(store, runId);
  const rows = asMlmetaPoints(runId, points);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += MLMETA_BATCH)
    await store.appendMetrics(rows.slice(i, i + MLMETA_BATCH));
  return points.length / ((performance.now() - started) / 1000);
}

/** 32 clients in worker threads, each its own HTTP store and run, starting together. */
async function mlmetaParallel(uri, points, round) {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { openStore } = await import(workerData.core);
      const store = await openStore(workerData.uri);
      const runId = workerData.runId;
      await store.putLineage({ types: [{ kind: 'execution', name: 'bench.Train' }],
        executions: [{ type: 'bench.Train', externalId: runId, lastKnownState: 'RUNNING' }] });
      const rows = workerData.points.map(([key, step, value, wallTime]) => ({ execution: { externalId: runId }, key, step, value, wallTime }));
      while (Date.now() < workerData.startAt) await new Promise((r) => setTimeout(r, 1));
      const started = performance.now(); let errors = 0;
      try { for (let i = 0; i < rows.length; i += workerData.batch) await store.appendMetrics(rows.slice(i, i + workerData.batch)); }
      catch { errors++; }
      const ended = performance.now();
      await store.close();
      parentPort.postMessage({ started: performance.timeOrigin + started, ended: performance.timeOrigin + ended, errors });
    })();`;
  const core = new URL('../../packages/core/dist/index.js', import.meta.url).href;
  const startAt = Date.now() + 3000;
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { core, uri, runId: `par-${round}-${c}`, points, batch: MLFLOW_BATCH, startAt },
      });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const first = Math.min(...results.map((r) => r.started));
  const last = Math.max(...results.map((r) => r.ended));
  return {
    rate: (points.length * CLIENTS) / ((last - first) / 1000),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

async function ingest(dir) {
  const points = metricPoints(POINTS);
  const clientPoints = metricPoints(CLIENT_POINTS);
  const store = await openStore(`sqlite:${join(dir, 'ingest-mlmeta.db')}`);
  const mlflowLocal = startPeer();
  await mlflowLocal.call('mlflow.open', { trackingUri: `sqlite:///${join(dir, 'ingest-mlflow.db')}` });

  const mlmetaPort = await freePort();
  const mlmetaServer = await startServer(
    process.execPath,
    [mlmetaServerBin, '--store', `sqlite:${join(dir, 'ingest-server.db')}`, '--port', String(mlmetaPort)],
    `http://127.0.0.1:${mlmetaPort}/healthz`,
  );
  const mlflowPort = await freePort();
  const mlflowServer = await startServer(
    join(venvBin, 'mlflow'),
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'ingest-mlflow-server.db')}`,
      '--host',
      '127.0.0.1',
      '--port',
      String(mlflowPort),
    ],
    `http://127.0.0.1:${mlflowPort}/health`,
    { PATH: `${venvBin}:${process.env.PATH}` },
  );
  const remote = await openStore(`http://127.0.0.1:${mlmetaPort}`);
  const mlflowRemote = startPeer();
  await mlflowRemote.call('mlflow.open', { trackingUri: `http://127.0.0.1:${mlflowPort}` });
  try {
    const rates = { local: [[], []], server: [[], []] };
    for (let round = 0; round < ROUNDS; round++) {
      rates.local[0].push(await mlmetaIngest(store, points, `local-${round}`));
      const peer = await mlflowLocal.call('mlflow.log_batch', { points, batch: MLFLOW_BATCH });
      rates.local[1].push(peer.points / peer.seconds);
      rates.server[0].push(await mlmetaIngest(remote, points, `remote-${round}`));
      const peerRemote = await mlflowRemote.call('mlflow.log_batch', { points, batch: MLFLOW_BATCH });
      rates.server[1].push(peerRemote.points / peerRemote.seconds);
    }
    const parallel = [[], []];
    let errors = [0, 0];
    for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
      const ours = await mlmetaParallel(`http://127.0.0.1:${mlmetaPort}`, clientPoints, round);
      const theirs = await mlflowRemote.call('mlflow.log_batch_parallel', {
        clients: CLIENTS,
        points: clientPoints,
        batch: MLFLOW_BATCH,
      });
      parallel[0].push(ours.rate);
      parallel[1].push(theirs.points / theirs.seconds);
      errors = [errors[0] + ours.errors, errors[1] + theirs.errors];
    }
    report('metric ingest, points/s (log_batch of 1,000 metrics; mlmeta batches of 5,000 in one client)', [
      [
        `1 client, SQLite in-process (${POINTS.toLocaleString('en-US')} points)`,
        median(rates.local[0]),
        median(rates.local[1]),
        'higher',
      ],
      ['1 client, through the server', median(rates.server[0]), median(rates.server[1]), 'higher'],
      [
        `32 clients through the server (errors: mlmeta ${errors[0]}, MLflow ${errors[1]})`,
        median(parallel[0]),
        median(parallel[1]),
        'higher',
      ],
    ]);
  } finally {
    await remote.close();
    await store.close();
    await mlflowLocal.close();
    await mlflowRemote.close();
    await stopServer(mlmetaServer);
    await stopServer(mlflowServer);
  }
}

async function search(dir) {
  const runs = generateRuns({ count: SEARCH_RUNS, prefix: 'search', experiments: 1 });
  const uri = `sqlite:${join(dir, 'search-mlmeta.db')}`;
  let started = performance.now();
  // mlmeta's runs are recorded as a training script records them: the tracker API.
  process.env.MLMETA_CAPTURE_DISABLED = 'git,packages,hardware,dataset,system';
  for (let i = 0; i < runs.length; i += 500) {
    const chunk = runs.slice(i, i + 500);
    await Promise.all(
      chunk.map(async (run) => {
        const tracked = startRun({ store: uri, experiment: 'bench', name: run.name, params: run.params });
        tracked.logMetrics(run.final, run.params.epochs);
        await tracked.end();
      }),
    );
  }
  const mlmetaBuilt = (performance.now() - started) / 1000;
  const peer = startPeer();
  await peer.call('mlflow.open', { trackingUri: `sqlite:///${join(dir, 'search-mlflow.db')}` });
  started = performance.now();
  for (let i = 0; i < runs.length; i += 1000)
    await peer.call('mlflow.create_runs', { runs: runs.slice(i, i + 1000) });
  console.log(
    `\nsearch store: ${SEARCH_RUNS.toLocaleString('en-US')} runs each side (mlmeta tracker ${mlmetaBuilt.toFixed(1)} s, MLflow client ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const mlflowFilter = "params.optimizer = 'adam' and metrics.loss < 0.5";
  const mlmetaFilter =
    "custom_properties.`param.optimizer` = 'adam' AND custom_properties.`metric.loss` < 0.5";
  const sides = [{ label: '', openStore, cli: mlmetaCliBin }];
  if (BASELINE) {
    const baseline = await import(pathToFileURL(join(BASELINE, 'packages/core/dist/index.js')).href);
    const cli = join(BASELINE, 'packages/cli/dist/bin.js');
    sides.push({ label: ' (BASELINE)', openStore: baseline.openStore, cli });
  }
  for (const side of sides) side.store = await side.openStore(uri, { readOnly: true });
  try {
    const times = { peer: [] };
    for (const { label } of sides) Object.assign(times, { [`api${label}`]: [], [`cli${label}`]: [] });
    const counts = {};
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which build goes first, so neither always runs on a warmer cache.
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const t0 = performance.now();
        let found = 0;
        let pageToken;
        do {
          const page = await side.store.getExecutions({ filter: mlmetaFilter, limit: 1000, pageToken });
          found += page.items.length;
          pageToken = page.nextPageToken;
        } while (pageToken !== undefined);
        times[`api${side.label}`].push(performance.now() - t0);
        const t1 = performance.now();
        const cli = spawnSync(
          process.execPath,
          [
            side.cli,
            '--store',
            uri,
            'runs',
            '--json',
            '--limit',
            String(SEARCH_RUNS),
            '--filter',
            mlmetaFilter,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 28 },
        );
        times[`cli${side.label}`].push(performance.now() - t1);
        if (cli.status !== 0) throw new Error(`mlmeta runs${side.label}: ${cli.stderr}`);
        counts[`store API${side.label}`] = found;
        counts[`CLI${side.label}`] = JSON.parse(cli.stdout).runs.length;
      }
      const answer = await peer.call('mlflow.search', { filter: mlflowFilter, repeats: 1 });
      times.peer.push(answer.times[0] * 1000);
      counts.MLflow = answer.count;
    }
    const found = Object.entries(counts)
      .map(([who, n]) => `${who} ${n}`)
      .join(', ');
    report(
      `search_runs, ms, ${SEARCH_RUNS.toLocaleString('en-US')} runs, params-and-metrics filter (found: ${found})`,
      sides.flatMap(({ label }) => [
        [
          `store API (getExecutions with the filter)${label}`,
          median(times[`api${label}`]),
          median(times.peer),
          'lower',
        ],
        [
          `\`mlmeta runs --filter --json\` (a whole process)${label}`,
          median(times[`cli${label}`]),
          median(times.peer),
          'lower',
        ],
      ]),
    );
  } finally {
    for (const side of sides) await side.store.close();
    await peer.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-peers-mlflow-'));
try {
  const only = process.argv[2];
  if (!only || only === 'ingest') await ingest(dir);
  if (!only || only === 'search') await search(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
