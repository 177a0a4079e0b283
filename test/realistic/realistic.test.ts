/**
 * Programs written the way tfjs-examples are (programs/: seq2seq with attention, an RNN on a CSV
 * through tf.data.csv, generator datasets, early stopping, several inputs and outputs, a loop of
 * fits, a custom training loop, evaluate, save and a serving process), each run as a real
 * process three ways: plain, under the preload hook through NODE_OPTIONS, and with the README's
 * inline callback. The output and exit code must be the plain run's, mlmeta must say nothing,
 * and the store must hold what the program did. Then kills and signals mid-fit and mid-serve,
 * with no callbacks of the program's own.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Artifact, deployedModels, type Execution, type MetadataStore, runStatus } from '@mlmeta/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  type Child,
  mlmetaLines,
  openStore,
  REGISTER,
  type Recorded,
  recorded,
  root,
  run,
  start as startChild,
  type Workspace,
  workspace,
} from '../node-hooks/helpers.js';

const CLI_BIN = join(root, 'packages/cli/dist/bin.js');
const program = (name: string) => join(root, 'test/realistic/programs', `${name}.mjs`);
type Mode = 'plain' | 'hook' | 'inline';
const MODES: Mode[] = ['plain', 'hook', 'inline'];

function modeEnv(mode: Mode, ws: Workspace): Record<string, string> {
  if (mode === 'hook') return { ...ws.env, NODE_OPTIONS: `--import ${REGISTER}` };
  if (mode === 'inline') return { ...ws.env, REALISTIC_MODE: 'inline' };
  return ws.env;
}

interface Store {
  store: MetadataStore;
  of(type: string): Promise<Recorded>;
}

async function withStore<T>(ws: Workspace, read: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(`sqlite:${ws.storeFile}`);
  try {
    return await read({ store, of: (type) => recorded(store, type) });
  } finally {
    await store.close();
  }
}

const types = (artifacts: Artifact[] | undefined) => (artifacts ?? []).map((a) => a.type).sort();
const only = (r: Recorded): Execution => {
  expect(r.executions).toHaveLength(1);
  return r.executions[0];
};

/** One complete fit of `epochs`, with `datasets` dataset inputs and the trained model out. */
async function oneFit(s: Store, epochs: number, datasets: number): Promise<Execution> {
  const train = await s.of('mlmeta.Train');
  const fit = only(train);
  expect(fit.lastKnownState).toBe('COMPLETE');
  expect(fit.customProperties.epochsCompleted).toBe(epochs);
  expect(types(train.inputs.get(fit.id))).toEqual(Array(datasets).fill('mlmeta.Dataset'));
  expect(types(train.outputs.get(fit.id))).toContain('mlmeta.Model');
  return fit;
}

interface Case {
  name: string;
  /** Programs run in order in one workspace (a serving program after the one that saved). */
  steps: string[];
  check(s: Store, mode: Exclude<Mode, 'plain'>, ws: Workspace): Promise<void>;
}

const CASES: Case[] = [
  {
    name: 'seq2seq with attention',
    steps: ['seq2seq-attention'],
    async check(s) {
      const fit = await oneFit(s, 2, 1);
      expect((fit.customProperties.modelSummary as { class: string }).class).toBe('Model');
      // A prediction in the training script is not a deployment.
      expect((await s.of('mlmeta.Serve')).executions).toEqual([]);
    },
  },
  {
    name: 'an RNN on a CSV through tf.data.csv and fitDataset',
    steps: ['csv-rnn'],
    async check(s) {
      await oneFit(s, 2, 1);
    },
  },
  {
    name: 'generator datasets for training and validation',
    steps: ['generator'],
    async check(s) {
      const fit = await oneFit(s, 2, 2);
      expect(fit.customProperties['metric.val_loss']).toEqual(expect.any(Number));
    },
  },
  {
    name: 'early stopping on a validation split',
    steps: ['early-stopping'],
    async check(s) {
      const fit = await oneFit(s, 2, 2);
      expect(fit.customProperties['param.validationSplit']).toBe(0.25);
      expect(fit.customProperties.earlyStopping).toMatchObject([{ monitor: 'val_loss', stoppedEpoch: 1 }]);
    },
  },
  {
    name: 'two inputs, two outputs, evaluated',
    steps: ['multi-io'],
    async check(s) {
      await oneFit(s, 2, 1);
      const evaluation = await s.of('mlmeta.Evaluate');
      const evaluate = only(evaluation);
      expect(types(evaluation.inputs.get(evaluate.id))).toEqual(['mlmeta.Dataset', 'mlmeta.Model']);
      expect(types(evaluation.outputs.get(evaluate.id))).toEqual(['mlmeta.Metrics']);
    },
  },
  {
    name: 'a loop of fits, each continuing from the last',
    steps: ['fit-loop'],
    async check(s) {
      const train = await s.of('mlmeta.Train');
      expect(train.executions).toHaveLength(3);
      const [first, second, third] = [...train.executions].sort((a, b) => a.id - b.id);
      const model = (e: Execution, from: Map<number, Artifact[]>) =>
        from.get(e.id)!.find((a) => a.type === 'mlmeta.Model')?.id;
      // Each round's starting point is the model the previous round produced.
      expect(model(second, train.inputs)).toBe(model(first, train.outputs));
      expect(model(third, train.inputs)).toBe(model(second, train.outputs));
    },
  },
  {
    name: 'a custom training loop with optimizer.minimize',
    steps: ['custom-loop'],
    async check(s, mode) {
      expect((await s.of('mlmeta.Train')).executions).toEqual([]);
      const runs = (await s.of('mlmeta.Run')).executions;
      if (mode === 'hook') {
        expect(runs).toEqual([]);
        return;
      }
      const [loop] = runs;
      expect(loop.lastKnownState).toBe('COMPLETE');
      expect((await s.store.getMetrics({ execution: { id: loop.id }, key: 'loss' })).total).toBe(30);
    },
  },
  {
    name: 'evaluate, save, then serve from another process',
    steps: ['evaluate-save', 'serve'],
    async check(s, _mode, ws) {
      const fit = await oneFit(s, 2, 1);
      const train = await s.of('mlmeta.Train');
      expect(train.outputs.get(fit.id)!.map((a) => a.type)).toEqual(['mlmeta.Model', 'mlmeta.Model']);
      const evaluation = only(await s.of('mlmeta.Evaluate'));
      // `mlmeta show` lists the evaluations of the run's models, with their values.
      const shown = await run(
        [],
        CLI_BIN,
        ['show', `run:${fit.id}`, '--store', `sqlite:${ws.storeFile}`],
        {},
      );
      expect(shown.code).toBe(0);
      const section = shown.stdout.slice(shown.stdout.indexOf('evaluations'));
      expect(section).toContain(`#${evaluation.id}`);
      expect(section).toMatch(/loss=\d/);
      const serve = only(await s.of('mlmeta.Serve'));
      expect(serve.lastKnownState).toBe('COMPLETE');
      expect(serve.customProperties).toMatchObject({ 'serve.calls': 20, 'serve.errors': 0 });
      expect(serve.customProperties['serve.batch_sizes']).toEqual({ 4: 20 });
      const [deployment] = await deployedModels(s.store);
      expect(deployment.producer?.id).toBe(fit.id);
    },
  },
];

beforeAll(assertBuilt);

describe.each(CASES)('$name', ({ steps, check }) => {
  it('prints and exits the same plain, under the hook and inline, and records what it did', {
    timeout: 240_000,
  }, async () => {
    const plain: string[] = [];
    for (const mode of MODES) {
      const ws = workspace();
      for (const [i, step] of steps.entries()) {
        const result = await run([], program(step), [ws.dir], modeEnv(mode, ws));
        expect(result.code, `${step} (${mode}): ${result.stderr}`).toBe(0);
        expect(mlmetaLines(result.stderr)).toEqual([]);
        if (mode === 'plain') plain[i] = result.stdout;
        else expect(result.stdout).toBe(plain[i]);
      }
      if (mode === 'plain') expect(existsSync(ws.storeFile)).toBe(false);
      else await withStore(ws, (s) => check(s, mode, ws));
    }
  });
});

// A fit that outlives a test must not outlive the test run.
const children: Child[] = [];
const start = (...args: Parameters<typeof startChild>) => {
  const child = startChild(...args);
  children.push(child);
  return child;
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function latest(ws: Workspace, type: string): Promise<Execution | undefined> {
  if (!existsSync(ws.storeFile)) return undefined;
  return withStore(ws, async ({ store }) => (await store.getExecutions({ type })).items[0]);
}

async function waitFor(read: () => Promise<Execution | undefined>, ok: (e: Execution) => boolean) {
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const epochs = (e: Execution) => (e.customProperties.epochsCompleted as number | undefined) ?? 0;

describe('killed or stopped mid-way, under the hook, with no callbacks of the program', () => {
  it('kill -9 during fit: the run reads as LOST', async () => {
    const ws = workspace();
    const env = { ...modeEnv('hook', ws), REALISTIC_EPOCHS: '100000', MLMETA_HEARTBEAT_INTERVAL: '0.5' };
    const child = start([], program('seq2seq-attention'), [ws.dir], env);
    await child.printed('training');
    const running = await waitFor(
      () => latest(ws, 'mlmeta.Train'),
      (e) => epochs(e) > 0,
    );
    expect(running.lastKnownState).toBe('RUNNING');
    child.kill('SIGKILL');
    await child.done;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const killed = (await latest(ws, 'mlmeta.Train'))!;
    expect(killed.lastKnownState).toBe('RUNNING');
    expect(runStatus(killed)).toBe('LOST');
  });

  it('SIGTERM during fitDataset: the process dies by it, as it does without mlmeta, and the run is CANCELED at its epoch', async () => {
    const plainWs = workspace();
    const plain = start([], program('csv-rnn'), [plainWs.dir], {
      ...plainWs.env,
      REALISTIC_EPOCHS: '100000',
    });
    await plain.printed('training');
    plain.kill('SIGTERM');
    const without = await plain.done;

    const ws = workspace();
    const env = { ...modeEnv('hook', ws), REALISTIC_EPOCHS: '100000' };
    const child = start([], program('csv-rnn'), [ws.dir], env);
    await child.printed('training');
    await waitFor(
      () => latest(ws, 'mlmeta.Train'),
      (e) => epochs(e) > 0,
    );
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.signal).toBe(without.signal);
    expect(result.code).toBe(without.code);
    expect(mlmetaLines(result.stderr)).toEqual([]);
    const stopped = (await latest(ws, 'mlmeta.Train'))!;
    expect(stopped.lastKnownState).toBe('CANCELED');
    expect(epochs(stopped)).toBeGreaterThan(0);
  });

  it('SIGTERM while serving: the Serve run is CANCELED with every call counted so far', async () => {
    const ws = workspace();
    const saved = await run([], program('evaluate-save'), [ws.dir], ws.env);
    expect(saved.code).toBe(0);
    const child = start([], program('serve'), [ws.dir, '100000000'], modeEnv('hook', ws));
    await child.printed('serving');
    // The Serve run is in the store; its statistics are due only at the 30 s flush.
    await waitFor(
      () => latest(ws, 'mlmeta.Serve'),
      () => true,
    );
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.signal).toBe('SIGTERM');
    const serve = (await latest(ws, 'mlmeta.Serve'))!;
    expect(serve.lastKnownState).toBe('CANCELED');
    expect(serve.customProperties['serve.calls']).toBeGreaterThan(0);
  });
});
