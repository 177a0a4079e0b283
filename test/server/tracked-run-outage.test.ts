/**
 * A tracked training run (a real child process using the built @mlmeta/core, MLMETA_STORE
 * pointing at the real server bin) while the server is SIGKILLed and restarted on the same port.
 * The run must end normally, and afterwards every record must be in the store exactly once:
 * the execution COMPLETE, every metric point of every step, the input and output artifacts with
 * their events. The bearer token must appear in neither the server's logs nor the child's
 * stderr.
 *
 * Two outages: one shorter than the HTTP store's retry budget (the client rides over it), and
 * one longer (the writer spools, and replays the spool once the server is back).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MetadataStore, openStore, replaySpool } from '@mlmeta/core';
import { generateToken } from '@mlmeta/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildServer, freePort, spawnServer } from './child-server.js';
import { tempDir } from './helpers.js';

const CORE_DIST = pathToFileURL(join(import.meta.dirname, '../../packages/core/dist/index.js')).href;
const STEPS = 1_500;
const KEYS = ['loss', 'acc', 'lr'];
const CHECKPOINTS = 3;

// The training-like script: params, an input dataset, per-step metrics over a few seconds (a
// NaN loss at step 7, which must survive the trip), a checkpoint output every STEPS/CHECKPOINTS
// steps and a final model. It prints its run id and every hundredth step on stdout; with
// PAUSE_AT it stops at that step until a line arrives on stdin.
const TRAIN_SCRIPT = `
import { openHttpStore, startRun } from ${JSON.stringify(CORE_DIST)};
const steps = Number(process.env.STEPS);
const budget = process.env.RETRY_BUDGET_MS;
const store = budget
  ? await openHttpStore(process.env.MLMETA_STORE, { retry: { maxElapsedMs: Number(budget), maxDelayMs: 200 } })
  : undefined;
const run = startRun({ name: 'outage', params: { lr: 0.01, optimizer: 'adam' }, ...(store ? { store } : {}) });
run.logParams({ batchSize: 32, epochs: ${CHECKPOINTS} });
run.logInput({ digest: 'dataset:train-v1', uri: 'file:///data/train.csv', name: 'train', role: 'x' });
console.log('run ' + run.id);
for (let step = 0; step < steps; step++) {
  run.logMetrics({ loss: step === 7 ? Number.NaN : 1 / (step + 1), acc: step / steps, lr: 0.01 }, step);
  if ((step + 1) % (steps / ${CHECKPOINTS}) === 0) {
    run.logOutput({ digest: 'model:checkpoint-' + step, uri: 'file:///models/ckpt-' + step, name: 'ckpt-' + step });
  }
  if (step % 100 === 0) console.log('step ' + step);
  if (step === Number(process.env.PAUSE_AT)) {
    console.log('paused');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.pause();
  }
  if (step % 5 === 0) await new Promise((r) => setTimeout(r, 12));
}
run.logOutput({ digest: 'model:final', uri: 'file:///models/final', name: 'final' });
await run.end();
console.log('ended');
`;

interface TrainingChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once the script printed a line starting with `prefix`. */
  printed: (prefix: string) => Promise<void>;
}

function spawnTraining(script: string, env: Record<string, string>): TrainingChild {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, MLMETA_LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { prefix: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) {
      if (out.split('\n').some((l) => l.startsWith(w.prefix))) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    printed: (prefix) =>
      new Promise<void>((resolve, reject) => {
        if (out.split('\n').some((l) => l.startsWith(prefix))) return resolve();
        waiters.push({ prefix, resolve });
        void exited.then((code) =>
          reject(new Error(`training exited (${code}) before printing "${prefix}": ${err}`)),
        );
      }),
  };
}

/** Everything the run wrote is in the store exactly once. */
async function expectRunComplete(store: MetadataStore, runId: string): Promise<void> {
  const executions = await store.getExecutions({ limit: 100 });
  expect(executions.items.map((e) => e.externalId)).toEqual([runId]);
  const execution = executions.items[0]!;
  expect(execution.lastKnownState).toBe('COMPLETE');
  expect(execution.customProperties?.['param.lr']).toBe(0.01);
  expect(execution.customProperties?.['param.batchSize']).toBe(32);

  const keys = await store.getMetricKeys({ id: execution.id });
  expect(keys.map((k) => [k.key, k.count, k.minStep, k.maxStep]).sort()).toEqual(
    KEYS.map((key) => [key, STEPS, 0, STEPS - 1]).sort(),
  );
  for (const key of KEYS) {
    const series = await store.getMetrics({ execution: { id: execution.id }, key });
    expect(series.points.map((p) => p.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    if (key === 'loss') {
      expect(series.points[7]!.value).toBeNaN();
      expect(series.points[STEPS - 1]!.value).toBe(1 / STEPS);
    }
  }

  const artifacts = (await store.getArtifacts({ limit: 100 })).items;
  const checkpoints = Array.from(
    { length: CHECKPOINTS },
    (_, i) => `model:checkpoint-${((i + 1) * STEPS) / CHECKPOINTS - 1}`,
  );
  expect(artifacts.map((a) => a.externalId).sort()).toEqual(
    ['dataset:train-v1', 'model:final', ...checkpoints].sort(),
  );
  const events = await store.getEvents({ executionIds: [execution.id] });
  const byArtifact = new Map(artifacts.map((a) => [a.id, a.externalId]));
  expect(events.map((e) => `${e.type} ${byArtifact.get(e.artifactId)}`).sort()).toEqual(
    ['INPUT dataset:train-v1', 'OUTPUT model:final', ...checkpoints.map((c) => `OUTPUT ${c}`)].sort(),
  );
  const associations = await store.getAssociations({ executionIds: [execution.id] });
  expect(associations).toHaveLength(2);
}

describe('a tracked run while the server is killed and restarted', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp() {
    const { dir, cleanup } = tempDir('mlmeta-outage-');
    cleanups.push(cleanup);
    const { token, line } = generateToken('trainer', 'write');
    writeFileSync(join(dir, 'tokens.txt'), `${line}\n`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = [
      '--store',
      `sqlite:${join(dir, 'mlmeta.db')}`,
      '--port',
      String(port),
      '--tokens-file',
      join(dir, 'tokens.txt'),
    ];
    const servers: ChildServer[] = [];
    const startServerChild = async () => {
      const server = await spawnServer(args);
      servers.push(server);
      return server;
    };
    cleanups.push(() => {
      for (const s of servers) s.child.kill('SIGKILL');
    });
    const script = join(dir, 'train.mjs');
    writeFileSync(script, TRAIN_SCRIPT);
    const spoolDir = join(dir, 'spool');
    const env = {
      MLMETA_STORE: url,
      MLMETA_TOKEN: token,
      MLMETA_SPOOL_DIR: spoolDir,
      MLMETA_EXPERIMENT: 'outage',
      MLMETA_CAPTURE_DISABLED: 'hardware,git',
      STEPS: String(STEPS),
    };
    const leaks = () => {
      const logs = servers.map((s) => s.stdout() + s.stderr()).join('\n');
      return { logs, token };
    };
    return { dir, url, token, spoolDir, env, script, servers, startServerChild, leaks };
  }

  async function killServer(server: ChildServer): Promise<void> {
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
  }

  it('rides over a short outage with retries: every record exactly once', async () => {
    const t = await setUp();
    const first = await t.startServerChild();
    const training = spawnTraining(t.script, t.env);
    cleanups.push(() => {
      training.child.kill('SIGKILL');
    });
    await training.printed('step 300');
    await killServer(first);
    await new Promise((r) => setTimeout(r, 1_500));
    await t.startServerChild();
    expect(await training.exited).toBe(0);
    expect(training.stdout()).toContain('ended');
    const runId = /^run (\S+)$/m.exec(training.stdout())![1]!;

    const store = await openStore(t.url, { token: t.token });
    try {
      // Whatever the writer could not deliver itself, replay now (a no-op when nothing is left).
      await replaySpool(store, t.spoolDir);
      await expectRunComplete(store, runId);
    } finally {
      await store.close();
    }
    const { logs, token } = t.leaks();
    expect(logs).toContain('"token":"trainer"');
    expect(logs).not.toContain(token);
    expect(training.stderr()).not.toContain(token);
    expect(training.stdout()).not.toContain(token);
  });

  it('spools through an outage longer than the retry budget; the writer replays it when the server is back', async () => {
    const t = await setUp();
    const first = await t.startServerChild();
    const training = spawnTraining(t.script, { ...t.env, RETRY_BUDGET_MS: '300', PAUSE_AT: '900' });
    cleanups.push(() => {
      training.child.kill('SIGKILL');
    });
    await training.printed('step 300');
    await killServer(first);
    // Steps 300-900 run against a dead server: their writes give up and go to the spool.
    await training.printed('paused');
    await t.startServerChild();
    training.child.stdin!.end('go\n');
    expect(await training.exited).toBe(0);
    expect(training.stdout()).toContain('ended');
    // The writer warned that it spooled, and wrote the spool itself once the server was back.
    expect(training.stderr()).toMatch(/could not write to the store.*spool/);
    expect(training.stderr()).toMatch(/replayed [1-9]\d* spooled batch/);
    const runId = /^run (\S+)$/m.exec(training.stdout())![1]!;

    // Nothing is left for `mlmeta sync`.
    expect(readdirSync(t.spoolDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);

    const store = await openStore(t.url, { token: t.token });
    try {
      await expectRunComplete(store, runId);
    } finally {
      await store.close();
    }
    const { logs, token } = t.leaks();
    expect(logs).toContain('"token":"trainer"');
    expect(logs).not.toContain(token);
    expect(training.stderr()).not.toContain(token);
  });

  it('the server comes back only after the run ended: replaySpool writes the spool exactly once', async () => {
    const t = await setUp();
    const first = await t.startServerChild();
    const training = spawnTraining(t.script, { ...t.env, RETRY_BUDGET_MS: '300' });
    cleanups.push(() => {
      training.child.kill('SIGKILL');
    });
    await training.printed('step 300');
    await killServer(first);
    // The run ends normally while the server is still down: its remaining records stay spooled.
    expect(await training.exited).toBe(0);
    expect(training.stdout()).toContain('ended');
    expect(training.stderr()).toMatch(/could not write to the store.*spool/);
    const runId = /^run (\S+)$/m.exec(training.stdout())![1]!;
    await t.startServerChild();

    const store = await openStore(t.url, { token: t.token });
    try {
      const replayed = await replaySpool(store, t.spoolDir);
      expect(replayed).toMatchObject({ files: 1, skipped: 0, active: [] });
      expect(replayed.batches).toBeGreaterThan(0);
      await expectRunComplete(store, runId);
    } finally {
      await store.close();
    }
    expect(readdirSync(t.spoolDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
    const { logs, token } = t.leaks();
    expect(logs).not.toContain(token);
    expect(training.stderr()).not.toContain(token);
  });
});
