/**
 * End to end: ordinary programs with no mlmeta in them, run under the preload hook in real
 * child processes, then their records read back from a real SQLite file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaySpool } from '@mlmeta/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appLines,
  assertBuilt,
  fixture,
  mlmetaLines,
  openStore,
  REGISTER,
  recorded,
  run,
  start,
  type Workspace,
  workspace,
} from './helpers.js';

const ESM = fixture('train-serve.mjs');
const CJS = fixture('train-serve.cjs');
const sha256 = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

beforeAll(assertBuilt);

async function runsIn(ws: Workspace, type: string) {
  if (!existsSync(ws.storeFile)) return [];
  const store = await openStore(`sqlite:${ws.storeFile}`);
  try {
    return (await store.getExecutions({ type })).items;
  } finally {
    await store.close();
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const COMPLETE_SERVE = { state: 'COMPLETE', modelLinked: true };

/** dataset → train → model, and serve → the .onnx model, all in one process context. */
async function expectLineage(ws: Workspace, serve: { state: string; modelLinked: boolean } = COMPLETE_SERVE) {
  const store = await openStore(`sqlite:${ws.storeFile}`);
  try {
    const train = await recorded(store, 'mlmeta.Train');
    expect(train.executions).toHaveLength(1);
    const [fit] = train.executions;
    expect(fit.lastKnownState).toBe('COMPLETE');
    expect(fit.customProperties['param.epochs']).toBe(3);
    const datasets = train.inputs.get(fit.id)!;
    expect(datasets.length).toBeGreaterThanOrEqual(1);
    expect(datasets.every((a) => a.type === 'mlmeta.Dataset')).toBe(true);
    const models = train.outputs.get(fit.id)!;
    expect(models.some((a) => a.type === 'mlmeta.Model')).toBe(true);

    const serving = await recorded(store, 'mlmeta.Serve');
    expect(serving.executions).toHaveLength(1);
    const [served] = serving.executions;
    expect(served.lastKnownState).toBe(serve.state);
    if (serve.modelLinked) {
      const servedModels = serving.inputs.get(served.id)!;
      expect(servedModels.map((a) => a.externalId)).toEqual([sha256(ws.onnxPath)]);
    }

    const processes = (await store.getContexts({ type: 'mlmeta.Process' })).items;
    expect(processes).toHaveLength(1);
    expect(train.processContextIds.get(fit.id)).toEqual([processes[0].id]);
    expect(serving.processContextIds.get(served.id)).toEqual([processes[0].id]);
    return { fit, served, process: processes[0] };
  } finally {
    await store.close();
  }
}

describe('zero-code recording of tfjs training and onnxruntime serving', () => {
  const cases: Array<[string, string[], string, Record<string, string>]> = [
    ['ESM with --import', ['--import', REGISTER], ESM, {}],
    ['CommonJS with --require', ['--require', REGISTER], CJS, {}],
    ['ESM through NODE_OPTIONS', [], ESM, { NODE_OPTIONS: `--import ${REGISTER}` }],
    ['CommonJS through NODE_OPTIONS', [], CJS, { NODE_OPTIONS: `--require ${REGISTER}` }],
    ['ESM with both entry points', ['--require', REGISTER, '--import', REGISTER], ESM, {}],
  ];
  for (const [title, nodeArgs, script, env] of cases) {
    it(title, async () => {
      const ws = workspace();
      const result = await run(nodeArgs, script, [ws.modelDir, ws.onnxPath], { ...ws.env, ...env });
      expect(result.stderr).not.toContain('[mlmeta] warn');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('served 9.5,11,17');
      expect(existsSync(join(ws.modelDir, 'model.json'))).toBe(true);
      const { process } = await expectLineage(ws);
      expect(process.customProperties.exit_code).toBe(0);
    });
  }
});

describe('the app is unaffected', () => {
  it('MLMETA_DISABLED=true: same output, no store, nothing of mlmeta loaded', async () => {
    const ws = workspace();
    const plain = await run([], ESM, [ws.modelDir, ws.onnxPath], ws.env);
    const disabled = await run(['--import', REGISTER], ESM, [ws.modelDir, ws.onnxPath], {
      ...ws.env,
      MLMETA_DISABLED: 'TRUE',
    });
    expect(disabled).toEqual(plain);
    expect(existsSync(ws.storeFile)).toBe(false);
    expect(existsSync(ws.spoolDir)).toBe(false);
    for (const flag of ['--import', '--require']) {
      const probe = await run([flag, REGISTER], fixture('loaded-modules.cjs'), [], {
        MLMETA_DISABLED: 'true',
      });
      expect(JSON.parse(probe.stdout)).toEqual([]);
    }
  });

  it('loads neither core nor an integration when no framework loads', async () => {
    const probe = await run(['--import', REGISTER], fixture('loaded-modules.cjs'), [], {});
    const loaded: string[] = JSON.parse(probe.stdout);
    expect(loaded.some((id) => id.includes('require-in-the-middle'))).toBe(true);
    expect(loaded.filter((id) => !id.includes('in-the-middle'))).toEqual([]);
  });

  it('loads core and the tfjs integration, not zod, when tfjs loads and trains (start-up cost)', async () => {
    // zod (95 files) was half of the hook's start-up with tfjs; validation is for the edges.
    for (const flag of ['--import', '--require']) {
      const ws = workspace();
      const probe = await run([flag, REGISTER], fixture('tfjs-loaded-modules.cjs'), [], ws.env);
      const loaded: string[] = JSON.parse(probe.stdout);
      expect(loaded.some((id) => /[/\\]packages[/\\]core[/\\]/.test(id))).toBe(true);
      expect(loaded.some((id) => /[/\\]packages[/\\]tfjs[/\\]/.test(id))).toBe(true);
      expect(loaded.filter((id) => /[/\\]zod[/\\]/.test(id))).toEqual([]);
      const store = await openStore(`sqlite:${ws.storeFile}`);
      try {
        const { executions } = await recorded(store, 'mlmeta.Train');
        expect(executions.map((e) => [e.lastKnownState, e.customProperties['param.epochs']])).toEqual([
          ['COMPLETE', 1],
        ]);
      } finally {
        await store.close();
      }
    }
  });

  it('invalid environment values: one warning each, defaults, still recorded', async () => {
    const ws = workspace();
    const result = await run(['--import', REGISTER], ESM, [ws.modelDir, ws.onnxPath], {
      ...ws.env,
      MLMETA_DISABLED: 'perhaps',
      MLMETA_LOG_BATCHES: 'sometimes',
      MLMETA_HEARTBEAT_INTERVAL: '-5',
    });
    expect(result.code).toBe(0);
    const lines = mlmetaLines(result.stderr);
    for (const name of ['MLMETA_DISABLED', 'MLMETA_LOG_BATCHES', 'MLMETA_HEARTBEAT_INTERVAL']) {
      expect(lines.filter((l) => l.includes(name))).toHaveLength(1);
    }
    expect(lines).toHaveLength(3);
    await expectLineage(ws);
  });

  it('an unwritable store: the app runs the same, records go to the spool', async () => {
    const ws = workspace();
    const blocker = join(ws.dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const plain = await run([], ESM, [ws.modelDir, ws.onnxPath], ws.env);
    const result = await run(['--import', REGISTER], ESM, [ws.modelDir, ws.onnxPath], {
      ...ws.env,
      MLMETA_STORE: `sqlite:${join(blocker, 'mlmeta.db')}`,
    });
    expect(result.code).toBe(plain.code);
    expect(result.stdout).toBe(plain.stdout);
    expect(appLines(result.stderr)).toBe(appLines(plain.stderr));
    const warnings = mlmetaLines(result.stderr);
    expect(warnings.filter((l) => l.includes('could not write to the store'))).toHaveLength(1);
    const spooled = readdirSync(ws.spoolDir).filter((f) => f.endsWith('.jsonl'));
    expect(spooled).toHaveLength(1);
    for (const line of warnings) expect(line).toContain(join(ws.spoolDir, spooled[0]));

    // The spool holds the whole lineage: replayed into the store it was meant for, it is all there.
    const store = await openStore(`sqlite:${ws.storeFile}`);
    try {
      const replayed = await replaySpool(store, ws.spoolDir, { includeActive: true });
      expect(replayed.skipped).toBe(0);
    } finally {
      await store.close();
    }
    await expectLineage(ws);
  });

  it('the app throws: same exit code and output, the live run FAILED', async () => {
    const ws = workspace();
    const plain = await run([], ESM, [ws.modelDir, ws.onnxPath, 'throw'], ws.env);
    const result = await run(['--import', REGISTER], ESM, [ws.modelDir, ws.onnxPath, 'throw'], ws.env);
    expect(plain.code).toBe(1);
    expect(result.code).toBe(plain.code);
    expect(result.stdout).toBe(plain.stdout);
    expect(result.stderr).toContain('Error: the app failed while serving');
    expect(mlmetaLines(result.stderr)).toEqual([]);
    // @mlmeta/onnx digests the model in the background after create; a crash right after the
    // first run() ends the process before that digest lands, so the model link is not asserted.
    const { served, process } = await expectLineage(ws, { state: 'FAILED', modelLinked: false });
    expect(JSON.stringify(served.customProperties['mlmeta.error'])).toContain('the app failed while serving');
    expect(process.customProperties.exit_code).toBe(1);
  });

  it('SIGTERM mid-fit: the process still dies by the signal, the fit is CANCELED', async () => {
    const ws = workspace();
    const child = start(['--import', REGISTER], fixture('long-train.mjs'), [], ws.env);
    await child.printed('training');
    // Wait until the fit is in the store: the signal path waits 2 s at most for the writer, and
    // on a loaded machine opening a new store (migrations included) can take longer than that.
    await waitFor(async () => (await runsIn(ws, 'mlmeta.Train')).length === 1);
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.signal).toBe('SIGTERM');
    expect(result.code).toBeNull();
    expect(mlmetaLines(result.stderr)).toEqual([]);
    const store = await openStore(`sqlite:${ws.storeFile}`);
    try {
      const train = await recorded(store, 'mlmeta.Train');
      expect(train.executions.map((e) => e.lastKnownState)).toEqual(['CANCELED']);
      expect(train.executions[0].customProperties['mlmeta.signal']).toBe('SIGTERM');
      const processes = (await store.getContexts({ type: 'mlmeta.Process' })).items;
      expect(processes.map((c) => c.customProperties.signal)).toEqual(['SIGTERM']);
    } finally {
      await store.close();
    }
  });
});
