/**
 * Nothing lost, nothing duplicated under concurrency: WRITERS real processes write runs at once,
 * all linked to one dataset digest, into a fresh store and then again into the same (existing)
 * store, on SQLite, PostgreSQL and through a real `mlmeta-server`. One writer is killed with
 * SIGKILL midway. Afterwards `mlmeta sync` replays whatever was spooled, and every record is
 * counted: each run a writer acknowledged (run.end() resolved) is complete, with all its points.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MetadataStore } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { type ChildServer, freePort, spawnServer } from '../server/child-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CORE_URL = pathToFileURL(join(root, 'packages/core/dist/index.js')).href;
const CLI_BIN = join(root, 'packages/cli/dist/bin.js');
const WRITER = fileURLToPath(new URL('./fixtures/concurrent-writer.mjs', import.meta.url));

const WRITERS = 8;
const RUNS = 4;
const POINTS = 2500;
const SHARED_DIGEST = 'sha256:shared-dataset';

type Core = typeof import('@mlmeta/core');
let core: Core;
let work: string;

beforeAll(async () => {
  core = (await import(CORE_URL)) as Core;
  work = mkdtempSync(join(tmpdir(), 'mlmeta-concurrent-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Writer {
  child: ChildProcess;
  ready: boolean;
  started: string[];
  acked: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

function startWriter(name: string, env: Record<string, string>): Writer {
  const child = spawn(process.execPath, [WRITER], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MLMETA_CORE_URL: CORE_URL,
      MLMETA_CAPTURE_DISABLED: 'hardware,git,packages,system',
      WRITER: name,
      RUNS: String(RUNS),
      POINTS: String(POINTS),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const writer: Writer = {
    child,
    ready: false,
    started: [],
    acked: [],
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let err = '';
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const [what, id] = line.split(' ');
      if (what === 'ready') writer.ready = true;
      if (what === 'start') writer.started.push(id!);
      if (what === 'acked') writer.acked.push(id!);
    }
  });
  return writer;
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!condition()) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
}

interface Round {
  digest: string;
  started: string[];
  acked: string[];
}

/** All writers at once; writer 0 is killed with SIGKILL once it has acknowledged its first run. */
async function round(label: string, env: Record<string, string>): Promise<Round> {
  const digest = `${SHARED_DIGEST}-${label}`;
  const writers = Array.from({ length: WRITERS }, (_, i) =>
    startWriter(`${label}-w${i}`, { ...env, SHARED_DIGEST: digest }),
  );
  await until(() => writers.every((w) => w.ready || w.child.exitCode !== null));
  for (const w of writers) w.child.stdin!.end('go\n');
  const victim = writers[0]!;
  await until(() => victim.acked.length >= 1 || victim.child.exitCode !== null);
  victim.child.kill('SIGKILL');
  const codes = await Promise.all(writers.map((w) => w.exited));
  codes.slice(1).forEach((code, i) => {
    expect(code, writers[i + 1]!.stderr()).toBe(0);
  });
  for (const w of writers.slice(1)) expect(w.acked).toHaveLength(RUNS);
  return { digest, started: writers.flatMap((w) => w.started), acked: writers.flatMap((w) => w.acked) };
}

function sync(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [CLI_BIN, 'sync', '--json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 120_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** Counts what the store holds for the rounds' runs: lost and duplicated records. */
async function count(store: MetadataStore, rounds: Round[]) {
  const started = rounds.flatMap((r) => r.started);
  const acked = rounds.flatMap((r) => r.acked);
  const runs = [];
  let pageToken: string | undefined;
  do {
    const page = await store.getExecutions({ type: 'mlmeta.Run', limit: 10_000, pageToken });
    runs.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  const byId = new Map(runs.map((r) => [r.externalId, r]));
  const digests = rounds.flatMap((r) =>
    Array.from(
      { length: RUNS },
      (_, i) => `sha256:${createHash('sha256').update(`${r.digest}:${i}`).digest('hex')}`,
    ),
  );
  const datasets = await store.getArtifacts({ externalIds: digests, limit: 10_000 });
  let lostRuns = 0;
  let lostPoints = 0;
  let duplicatedPoints = 0;
  let points = 0;
  for (const id of acked) {
    const run = byId.get(id);
    if (run?.lastKnownState !== 'COMPLETE') lostRuns++;
    const [loss] = await store.getMetricKeys({ externalId: id });
    const n = loss?.count ?? 0;
    points += n;
    lostPoints += Math.max(0, POINTS - n);
    duplicatedPoints += Math.max(0, n - POINTS);
  }
  const events = await store.getEvents({ artifactIds: datasets.items.map((d) => d.id) });
  const inputsPerRun = new Map<number, number>();
  for (const e of events) inputsPerRun.set(e.executionId, (inputsPerRun.get(e.executionId) ?? 0) + 1);
  return {
    started: started.length,
    acked: acked.length,
    runsInStore: runs.length,
    unknownRuns: runs.filter((r) => !started.includes(r.externalId!)).length,
    lostRuns,
    points,
    lostPoints,
    duplicatedPoints,
    sharedDatasets: datasets.items.length,
    duplicatedEvents: [...inputsPerRun.values()].filter((n) => n > 1).length,
  };
}

/** Two rounds (fresh store, then the same store again), sync, count. */
async function scenario(
  storeUri: string,
  readUri: string,
  label: string,
  extraEnv: Record<string, string> = {},
) {
  const spoolDir = join(work, label, 'spool');
  const env = { MLMETA_STORE: storeUri, MLMETA_SPOOL_DIR: spoolDir, EXPERIMENT: label, ...extraEnv };
  const rounds = [await round(`${label}-fresh`, env), await round(`${label}-existing`, env)];
  const synced = sync({ MLMETA_STORE: storeUri, MLMETA_SPOOL_DIR: spoolDir, ...extraEnv });
  expect(synced.code, synced.err).toBe(0);
  const store = await core.openStore(readUri);
  try {
    const counts = await count(store, rounds);
    console.info(
      `concurrent writers, ${label}: ${WRITERS} processes x ${RUNS} runs x ${POINTS} points, 2 rounds:`,
      counts,
    );
    expect(counts.lostRuns).toBe(0);
    expect(counts.lostPoints).toBe(0);
    expect(counts.duplicatedPoints).toBe(0);
    expect(counts.unknownRuns).toBe(0);
    // One node per shared digest (the killed writer's first runs may have made none).
    expect(counts.sharedDatasets).toBe(2 * RUNS);
    expect(counts.duplicatedEvents).toBe(0);
    // Every run but the killed writers' unfinished ones is acknowledged.
    expect(counts.acked).toBeGreaterThanOrEqual(2 * ((WRITERS - 1) * RUNS + 1));
    expect(counts.runsInStore).toBeLessThanOrEqual(counts.started);
  } finally {
    await store.close();
  }
}

describe('concurrent writers', () => {
  it('SQLite: 0 lost, 0 duplicated', async () => {
    const uri = `sqlite:${join(work, 'sqlite', 'mlmeta.db')}`;
    await scenario(uri, uri, 'sqlite');
  }, 300_000);
});

const pgTest = await probePostgres('concurrent writers');

describe.skipIf(pgTest.skip)('concurrent writers on PostgreSQL', () => {
  const schema = testSchema('concurrent');
  afterAll(() => schema.drop());

  it('PostgreSQL: 0 lost, 0 duplicated', async () => {
    await scenario(schema.uri, schema.uri, 'postgres');
  }, 300_000);

  it('HTTP server over PostgreSQL: 0 lost, 0 duplicated, no 500', async () => {
    const http = testSchema('concurrent_http');
    let server: ChildServer | undefined;
    try {
      const port = await freePort();
      server = await spawnServer(['--store', http.uri, '--port', String(port)]);
      await scenario(`http://127.0.0.1:${port}`, http.uri, 'http');
      const errors = server
        .stderr()
        .split('\n')
        .filter((line) => /\b500\b/.test(line));
      expect(errors).toEqual([]);
    } finally {
      server?.child.kill('SIGTERM');
      await server?.exited;
      await http.drop();
    }
  }, 300_000);
});
