/**
 * The worker-thread store (`openStore(uri, { worker: true })`) on real SQLite files. A worker
 * cannot run TypeScript, so these tests use the built dist/ (npm test builds first; the vitest
 * globalSetup when it is missing or stale): the conformance suite through the worker, typed
 * errors across the thread boundary, and real child processes loading the ESM and the CJS build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MetadataStore, MetricPoint } from '@mlmeta/core';
import * as source from '@mlmeta/core';
import { afterAll, describe, expect, it } from 'vitest';
import { trainBatch } from '../conformance/fixtures.js';
import { defineConformanceSuite } from '../conformance/index.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const dist = join(root, 'packages/core/dist');
type Core = typeof source;
const core = (await import(pathToFileURL(join(dist, 'index.js')).href)) as Core;

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-worker-'));
let n = 0;
const freshPath = () => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineConformanceSuite('sqlite in a worker thread', () =>
  core.openStore(`sqlite:${freshPath()}`, { worker: true }),
);

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; position?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('worker store', () => {
  it('keeps the error class, code, message and filter position of the store it wraps', async () => {
    const path = freshPath();
    const inThread = await core.openStore(`sqlite:${path}`);
    const inWorker = await core.openStore(`sqlite:${path}`, { worker: true });
    try {
      const filter = "type = 'x' AND";
      const expected = await rejection(inThread.getArtifacts({ filter }));
      const error = await rejection(inWorker.getArtifacts({ filter }));
      expect(error).toBeInstanceOf(core.FilterSyntaxError);
      expect(error).toBeInstanceOf(core.MlmetaError);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toBe(expected.message);
      expect(error.position).toBe(expected.position);
      // The stack is the caller's, not the message port's.
      expect(error.stack).toContain('worker.test.ts');

      const missing = await rejection(
        inWorker.appendMetrics([
          { execution: { externalId: 'nope' }, key: 'loss', step: 0, value: 1, wallTime: 1 },
        ]),
      );
      expect(missing).toBeInstanceOf(core.MlmetaError);
      expect(missing.code).toBe('NOT_FOUND');
      // Points not of the plain shape travel unpacked and fail exactly as in this thread.
      await inThread.putLineage(trainBatch());
      for (const bad of [
        { execution: { externalId: 'run' }, key: 'loss', step: 0, value: '1', wallTime: 1 },
        { execution: { externalId: 'run' }, key: 'loss', step: 0.5, value: 1, wallTime: 1 },
        { execution: { externalId: 'run', id: 1 }, key: 'loss', step: 0, value: 1, wallTime: 1 },
      ]) {
        const good = { execution: { externalId: 'run' }, key: 'acc', step: 0, value: 1, wallTime: 1 };
        const points = [good, bad] as never;
        const here = await rejection(inThread.appendMetrics(points));
        const there = await rejection(inWorker.appendMetrics(points));
        expect(there.code).toBe(here.code);
        expect(there.message).toBe(here.message);
      }

      const unsendable = await rejection(
        inWorker.putLineage({
          contexts: [{ type: 'x', name: 'y', customProperties: { f: () => 1 } }],
        } as never),
      );
      expect(unsendable.code).toBe('INVALID_ARGUMENT');
      expect(unsendable.message).toMatch(/cannot be sent to the store worker/);
      // The worker is still serving after both failures.
      await inWorker.putLineage(trainBatch('2'));
      expect((await inThread.getArtifact({ externalId: 'ds2' }))?.uri).toBe('file:///data/iris2.csv');
    } finally {
      await inWorker.close();
      await inThread.close();
    }
  });

  it('honours readOnly, and a store that cannot be opened rejects with its typed error', async () => {
    const path = freshPath();
    await (await core.openStore(`sqlite:${path}`)).close();
    const readOnly = await core.openStore(`sqlite:${path}`, { worker: true, readOnly: true });
    try {
      const denied = await rejection(readOnly.putLineage(trainBatch()));
      expect(denied).toBeInstanceOf(core.MlmetaError);
      expect(denied.code).toBe('PERMISSION_DENIED');
    } finally {
      await readOnly.close();
    }
    const absent = await rejection(
      core.openStore(`sqlite:${join(dir, 'absent.db')}`, { worker: true, readOnly: true }),
    );
    expect(absent.code).toBe('NOT_FOUND');
    const unsupported = await rejection(core.openStore('mysql://db/x', { worker: true }));
    expect(unsupported.code).toBe('INVALID_ARGUMENT');
    expect(unsupported.message).toMatch(/use sqlite:<path>/);
  });

  it('close() ends the worker once; later calls say the store is closed', async () => {
    const store = await core.openStore(`sqlite:${freshPath()}`, { worker: true });
    await store.putLineage(trainBatch());
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const error = await rejection(store.getTypes());
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toMatch(/closed/);
  });

  it('runs without the worker script only by saying so (TypeScript source has none)', async () => {
    expect(core.storeWorkerScript()).toBe(join(dist, 'store-worker.js'));
    expect(source.storeWorkerScript()).toBeUndefined();
    const error = await rejection(source.openStore(`sqlite:${freshPath()}`, { worker: true }));
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toMatch(/without \{ worker: true \}/);
  });
});

/** Metric upserts span several multi-row statements; a repeated (key, step) keeps its last value. */
describe.each([
  ['in this thread (source)', (path: string) => source.openStore(`sqlite:${path}`)],
  ['in a worker thread (dist)', (path: string) => core.openStore(`sqlite:${path}`, { worker: true })],
])('metric upserts %s', (_label, open: (path: string) => Promise<MetadataStore>) => {
  it('writes 1,001 points over several statements, and later points win over earlier ones', async () => {
    const store = await open(freshPath());
    try {
      await store.putLineage(trainBatch());
      const point = (step: number, value: number, wallTime = step): MetricPoint => ({
        execution: { externalId: 'run' },
        key: 'loss',
        step,
        value,
        wallTime,
      });
      const points = Array.from({ length: 1001 }, (_, step) => point(step, step / 10));
      // Out of order, then a repeat of step 5 and of the last step within the same call.
      points.push(point(5, Number.NaN, 9), point(3, 0.25, 9), point(1000, Number.NEGATIVE_INFINITY, 9));
      await store.appendMetrics(points);
      await store.appendMetrics([point(7, 70)]);
      const series = await store.getMetrics({ execution: { externalId: 'run' }, key: 'loss' });
      expect(series.total).toBe(1001);
      const at = (step: number) => series.points[step]!;
      expect(series.points.map((p) => p.step)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
      expect(at(5).value).toBeNaN();
      expect(at(5).wallTime).toBe(9);
      expect(at(3)).toEqual({ step: 3, value: 0.25, wallTime: 9 });
      expect(at(7).value).toBe(70);
      expect(at(999)).toEqual({ step: 999, value: 99.9, wallTime: 999 });
      expect(at(1000).value).toBe(Number.NEGATIVE_INFINITY);
    } finally {
      await store.close();
    }
  });
});

/** Run `code` in a fresh node process with the ESM or CJS build; returns its parsed last line. */
function runChild(format: 'esm' | 'cjs', body: string, env: Record<string, string> = {}) {
  const file = join(dir, `child-${++n}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  const load =
    format === 'esm'
      ? `import { createRequire } from 'node:module';\nconst core = await import(${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)});\nconst loaded = createRequire(import.meta.url).cache;\n`
      : `const core = require(${JSON.stringify(join(dist, 'index.cjs'))});\nconst loaded = require.cache;\n`;
  // The main thread must never have loaded the SQLite driver: only the worker does.
  const report =
    "const mainThreadLoadedSqlite = Object.keys(loaded).some((k) => k.includes('better-sqlite3'));\n";
  const wrapped =
    format === 'esm'
      ? `${load}${body}\n${report}console.log(JSON.stringify({ ...result, mainThreadLoadedSqlite }));\n`
      : `${load}(async () => {\n${body}\n${report}console.log(JSON.stringify({ ...result, mainThreadLoadedSqlite }));\n})();\n`;
  writeFileSync(file, wrapped);
  // The child must end by itself: an idle worker never keeps a process alive.
  const child = spawnSync(process.execPath, [file], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(child.error, child.stderr).toBeUndefined();
  expect(child.status, child.stderr).toBe(0);
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

describe.each(['esm', 'cjs'] as const)('the %s build in a child process', (format) => {
  it('finds its worker script, writes through it, and exits without close()', async () => {
    const path = freshPath();
    const result = runChild(
      format,
      `const store = await core.openStore(${JSON.stringify(`sqlite:${path}`)}, { worker: true });
const types = [{ kind: 'execution', name: 'child.Train' }];
await store.putLineage({ types, executions: [{ type: 'child.Train', externalId: 'child-run' }] });
await store.appendMetrics([Number.NaN, Number.POSITIVE_INFINITY, 0.5].map((value, step) => (
  { execution: { externalId: 'child-run' }, key: 'loss', step, value, wallTime: 1 })));
const back = await store.getMetrics({ execution: { externalId: 'child-run' }, key: 'loss' });
const result = { values: back.points.map((p) => String(p.value)), script: core.storeWorkerScript() };`,
    );
    expect(result.values).toEqual(['NaN', 'Infinity', '0.5']);
    expect(result.script).toBe(join(dist, format === 'esm' ? 'store-worker.js' : 'store-worker.cjs'));
    expect(result.mainThreadLoadedSqlite).toBe(false);
    const store = await core.openStore(`sqlite:${path}`);
    try {
      expect((await store.getMetricKeys({ externalId: 'child-run' }))[0]?.count).toBe(3);
    } finally {
      await store.close();
    }
  });

  it("the tracker's writer opens a store URI in a worker thread", async () => {
    const path = freshPath();
    const result = runChild(
      format,
      `const run = core.startRun({ store: ${JSON.stringify(`sqlite:${path}`)}, experiment: 'worker' });
for (let step = 0; step < 5000; step++) run.logMetrics({ loss: 1 / (step + 1), acc: step / 5000 }, step);
await run.end();
const result = { id: run.id };`,
      { MLMETA_SPOOL_DIR: join(dir, `spool-${n}`), MLMETA_CAPTURE_DISABLED: 'hardware,git,packages' },
    );
    expect(result.mainThreadLoadedSqlite).toBe(false);
    const store = await core.openStore(`sqlite:${path}`);
    try {
      const run = await store.getExecution({ externalId: String(result.id) });
      expect(run?.lastKnownState).toBe('COMPLETE');
      const keys = await store.getMetricKeys({ externalId: String(result.id) });
      expect(keys.map((k) => [k.key, k.count])).toEqual([
        ['acc', 5000],
        ['loss', 5000],
      ]);
    } finally {
      await store.close();
    }
  });
});
