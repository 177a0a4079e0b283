// Metric ingest through `mlmeta server` (the built bin, in its own process) into SQLite, with the
// HTTP store as client: points/s for one client (median of RUNS) next to the same batches sent
// one request at a time, as row-form bodies, and written in-process; then 32 concurrent clients,
// counting errors. Budget (DESIGN.md): at least 50k points/s through the server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWireJson, openHttpStore, openStore } from '../packages/core/dist/index.js';
import { median } from './support/workload.mjs';

const RUNS = Number(process.env.RUNS ?? 7);
const POINTS = Number(process.env.POINTS ?? 200_000);
const CLIENTS = 32;
const CLIENT_POINTS = Number(process.env.CLIENT_POINTS ?? 20_000);
const BATCH = 5_000;

const bin = fileURLToPath(new URL('../packages/server/dist/bin.js', import.meta.url));

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function points(runId, n, offset = 0) {
  return Array.from({ length: n }, (_, i) => ({
    execution: { externalId: runId },
    key: i % 2 ? 'loss' : 'acc',
    step: offset + i,
    value: Math.random(),
    wallTime: 1_700_000_000_000 + i,
  }));
}

async function registerRun(store, runId) {
  await store.putLineage({
    types: [{ kind: 'execution', name: 'bench.Train' }],
    executions: [{ type: 'bench.Train', externalId: runId }],
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-bench-server-'));
const port = await freePort();
const child = spawn(
  process.execPath,
  [bin, '--store', `sqlite:${join(dir, 'mlmeta.db')}`, '--port', String(port)],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
await new Promise((resolve, reject) => {
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    if (err.includes('listening on')) resolve();
  });
  child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
});

try {
  const url = `http://127.0.0.1:${port}`;
  const store = await openStore(url);
  const oneInFlight = await openHttpStore(url, { metricsInFlight: 1 });
  // Reference measured in the same run: the same batches straight into a SQLite store in this
  // process, so that the HTTP overhead can be read as a ratio on a noisy machine.
  const direct = await openStore(`sqlite:${join(dir, 'direct.db')}`);
  // The row form `{ points }`, one request at a time: what the HTTP store sent before columns.
  const rows = {
    async appendMetrics(chunk) {
      const response = await fetch(`${url}/api/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: encodeWireJson({ points: chunk }),
      });
      if (response.status !== 204) throw new Error(`rows: HTTP ${response.status}`);
    },
  };
  const cases = [
    ['http', store, 'HTTP store (columns, 2 requests in flight)'],
    ['http1', oneInFlight, 'HTTP store, 1 request in flight'],
    ['rows', rows, 'row-form bodies, 1 request in flight (the previous client)'],
    ['direct', direct, 'reference: same batches into SQLite in-process'],
  ];
  const rates = Object.fromEntries(cases.map(([name]) => [name, []]));
  // Cases take turns within each run, so that a burst of load elsewhere hits them all alike.
  for (let run = 0; run < RUNS; run++) {
    for (const [name, target] of cases) {
      const runId = `${name}-${run}`;
      await registerRun(name === 'direct' ? direct : store, runId);
      const data = points(runId, POINTS);
      const started = performance.now();
      for (let i = 0; i < data.length; i += BATCH) await target.appendMetrics(data.slice(i, i + BATCH));
      rates[name].push(POINTS / ((performance.now() - started) / 1000));
    }
  }
  await direct.close();
  await oneInFlight.close();
  const reference = median(rates.direct);
  console.log(`one client, ${POINTS} points in appendMetrics calls of ${BATCH}, ${RUNS} runs:`);
  for (const [name, , label] of cases) {
    console.log(
      `  ${label}: median ${Math.round(median(rates[name]))} points/s, ${(median(rates[name]) / reference).toFixed(2)}x in-process ` +
        `(runs: ${rates[name].map((r) => Math.round(r)).join(', ')})`,
    );
  }

  const concurrentRates = [];
  let errors = 0;
  for (let run = 0; run < Math.min(RUNS, 5); run++) {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openStore(url)));
    await Promise.all(clients.map((c, i) => registerRun(c, `c${run}-${i}`)));
    const started = performance.now();
    const results = await Promise.allSettled(
      clients.map(async (c, i) => {
        const data = points(`c${run}-${i}`, CLIENT_POINTS);
        for (let j = 0; j < data.length; j += BATCH / 5) await c.appendMetrics(data.slice(j, j + BATCH / 5));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    for (const r of results) {
      if (r.status !== 'rejected') continue;
      errors++;
      console.error(r.reason);
    }
    concurrentRates.push((CLIENTS * CLIENT_POINTS) / seconds);
    const keys = await store.getMetricKeys({ externalId: `c${run}-0` });
    if (keys.reduce((n, k) => n + k.count, 0) !== CLIENT_POINTS)
      throw new Error('points missing after concurrent run');
  }
  console.log(
    `${CLIENTS} concurrent clients x ${CLIENT_POINTS} points in batches of ${BATCH / 5}: median ` +
      `${Math.round(median(concurrentRates))} points/s, ${errors} errors ` +
      `(runs: ${concurrentRates.map((r) => Math.round(r)).join(', ')})`,
  );
  await store.close();
  if (errors > 0) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
