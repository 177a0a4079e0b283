// mlmeta against Google's ML Metadata (MLMD), through MLMD's own Python client (ml-metadata),
// on the same workload and the same storage, in one run, in alternating turns:
// - lineage writes: one run's lineage per call (mlmeta putLineage; MLMD put_lineage_subgraph,
//   and put_execution with its artifacts and events, the path TFX takes);
// - reads by type, by type and name, and with a filter on a custom property;
// - a 20-hop lineage walk around a model in ONE store of 1M artifacts, 100k executions and 2M
//   events that both clients open (mlmeta's layout is MLMD's schema v10), full nodes returned.
// Each figure: mlmeta's median, MLMD's median, and their ratio (>1: mlmeta is faster).
// Usage: bash bench/peers/setup.sh && npm run build -w @mlmeta/core &&
//        node bench/peers/mlmd.mjs [sqlite|postgres ...]   (ROUNDS=5 WRITE_RUNS=500; LINEAGE=false
//        skips the 20-hop walks, whose 1M-artifact store takes minutes to build)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../packages/core/dist/index.js';
import { buildPostgresGraph, buildSqliteGraph, FAN, modelIds } from '../support/lineage-graph.mjs';
import { median } from '../support/workload.mjs';
import { startPeer } from './peer-client.mjs';
import { report } from './report.mjs';
import { generateRuns, lineageBatch } from './workload.mjs';

const require = createRequire(new URL('../../packages/core/package.json', import.meta.url));
const pg = require('pg');

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WRITE_RUNS = Number(process.env.WRITE_RUNS ?? 500);
const QUERIES = 20;
const LINEAGE = process.env.LINEAGE !== 'false';
const backends = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['sqlite', 'postgres'];
const PG_URL = new URL(process.env.MLMETA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test');

/** A place to put one store on `backend`: a new SQLite file, or a new PostgreSQL database. */
async function newLocation(backend, dir, label) {
  if (backend === 'sqlite') {
    const path = join(dir, `${label}.db`);
    return { uri: `sqlite:${path}`, peer: { backend, path }, drop: async () => {} };
  }
  const name = `mlmeta_peers_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    uri: url.toString(),
    peer: { backend, host: url.hostname, port: Number(url.port || 5432), user: url.username, dbname: name },
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

async function timed(fn) {
  const started = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - started) / 1000, result };
}

async function writesAndReads(backend, dir) {
  const ours = await newLocation(backend, dir, 'writes_mlmeta');
  const theirs = await newLocation(backend, dir, 'writes_mlmd');
  const tfx = await newLocation(backend, dir, 'writes_tfx');
  const store = await openStore(ours.uri);
  const mlmd = startPeer();
  const tfxPeer = startPeer();
  try {
    await mlmd.call('mlmd.open', theirs.peer);
    await tfxPeer.call('mlmd.open', tfx.peer);
    const rates = { ours: [], lineage: [], tfx: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const runs = generateRuns({ count: WRITE_RUNS, prefix: `r${round}` });
      const batches = runs.map(lineageBatch);
      // Alternate who goes first, so neither side always meets a warmer cache.
      const turns = [
        async () => {
          const { seconds } = await timed(async () => {
            for (const batch of batches) await store.putLineage(batch);
          });
          rates.ours.push(runs.length / seconds);
        },
        async () => {
          const answer = await mlmd.call('mlmd.put_lineage', { runs });
          rates.lineage.push(runs.length / answer.seconds);
          const tfxAnswer = await tfxPeer.call('mlmd.put_execution', { runs });
          rates.tfx.push(runs.length / tfxAnswer.seconds);
        },
      ];
      if (round % 2) turns.reverse();
      for (const turn of turns) await turn();
    }
    report(`${backend}: lineage writes, runs/s (one run's lineage per call)`, [
      ['vs put_lineage_subgraph', median(rates.ours), median(rates.lineage), 'higher'],
      ['vs put_execution (TFX path)', median(rates.ours), median(rates.tfx), 'higher'],
    ]);

    const names = generateRuns({ count: WRITE_RUNS, prefix: 'r0' })
      .filter((_, i) => i % 5 === 0)
      .map((r) => r.name);
    const filter = {
      ours: 'custom_properties.learning_rate = 0.01',
      mlmd: 'custom_properties.learning_rate.double_value = 0.01',
    };
    const times = { byType: [[], []], byName: [[], []], filter: [[], []] };
    const counts = {};
    for (let round = 0; round < ROUNDS; round++) {
      const repeats = 3;
      const byType = await timed(async () => {
        let n = 0;
        for (let i = 0; i < repeats; i++)
          n = (await allPages((q) => store.getArtifacts(q), { type: 'bench.Model' })).length;
        return n;
      });
      const byName = await timed(async () => {
        for (const name of names) {
          const page = await store.getExecutions({ type: 'bench.Train', name, limit: 1 });
          if (page.items.length !== 1) throw new Error(`mlmeta: no run ${name}`);
        }
      });
      const filtered = await timed(async () => {
        let n = 0;
        for (let i = 0; i < repeats; i++)
          n = (await allPages((q) => store.getExecutions(q), { filter: filter.ours })).length;
        return n;
      });
      const peer = await mlmd.call('mlmd.reads', { repeats, names, filter: filter.mlmd });
      times.byType[0].push(byType.seconds / repeats);
      times.byName[0].push(byName.seconds / names.length);
      times.filter[0].push(filtered.seconds / repeats);
      times.byType[1].push(peer.byType.seconds);
      times.byName[1].push(peer.byName.seconds);
      times.filter[1].push(peer.filter.seconds);
      Object.assign(counts, {
        byType: [byType.result, peer.byType.count],
        filter: [filtered.result, peer.filter.count],
      });
    }
    const ms = (xs) => median(xs) * 1000;
    report(`${backend}: reads, ms per call, on ${(ROUNDS * WRITE_RUNS).toLocaleString('en-US')} runs`, [
      [
        `all models by type (${counts.byType.join(' / ')} nodes)`,
        ms(times.byType[0]),
        ms(times.byType[1]),
        'lower',
      ],
      ['one run by type and name', ms(times.byName[0]), ms(times.byName[1]), 'lower'],
      [
        `filter on a custom property (${counts.filter.join(' / ')} nodes)`,
        ms(times.filter[0]),
        ms(times.filter[1]),
        'lower',
      ],
    ]);
  } finally {
    await store.close();
    await mlmd.close();
    await tfxPeer.close();
    for (const location of [ours, theirs, tfx]) await location.drop();
  }
}

/** Every item of a paged listing. */
async function allPages(list, query) {
  const items = [];
  let pageToken;
  do {
    const page = await list({ ...query, limit: 10_000, pageToken });
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return items;
}

async function lineage(backend, dir) {
  const location = await newLocation(backend, dir, 'lineage');
  let store;
  let mlmd;
  // A graph that fails to build still drops its database.
  try {
    const started = performance.now();
    if (backend === 'sqlite') {
      await buildSqliteGraph(location.peer.path);
    } else {
      const client = new pg.Client({ connectionString: location.uri });
      await client.connect();
      await buildPostgresGraph(location.uri, client);
      await client.end();
    }
    console.log(
      `${backend}: built the 1M-artifact graph in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    store = await openStore(location.uri, { readOnly: true });
    mlmd = startPeer();
    await mlmd.call('mlmd.open', location.peer);
    const models = modelIds(QUERIES);
    const mids = models.map((id) => id - 10 * FAN);
    const rows = [];
    for (const [label, direction, starts] of [
      ['20 hops upstream from a model', 'upstream', models],
      ['20 hops both ways from a mid-pipeline artifact', 'both', mids],
    ]) {
      const ours = [];
      const theirs = [];
      const nodes = [0, 0];
      await mlmd.call('mlmd.lineage', { ids: starts.slice(0, 3), hops: 20, direction }); // warm-up
      for (const id of starts.slice(0, 3))
        await store.getLineage({ start: { artifacts: { ids: [id] } }, direction, maxHops: 20 });
      for (let round = 0; round < ROUNDS; round++) {
        const times = [];
        for (const id of starts) {
          const t0 = performance.now();
          const graph = await store.getLineage({
            start: { artifacts: { ids: [id] } },
            direction,
            maxHops: 20,
          });
          times.push(performance.now() - t0);
          nodes[0] = graph.artifacts.length + graph.executions.length;
        }
        ours.push(median(times));
        const peer = await mlmd.call('mlmd.lineage', { ids: starts, hops: 20, direction });
        theirs.push(median(peer.times) * 1000);
        nodes[1] = peer.nodes;
      }
      rows.push([`${label} (${nodes.join(' / ')} full nodes)`, median(ours), median(theirs), 'lower']);
    }
    report(
      `${backend}: get_lineage_subgraph, ms per query, 1M artifacts / 100k executions / 2M events`,
      rows,
    );
  } finally {
    await store?.close();
    await mlmd?.close();
    await location.drop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-peers-mlmd-'));
try {
  for (const backend of backends) {
    await writesAndReads(backend, dir);
    if (LINEAGE) await lineage(backend, dir);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
