/**
 * examples/pipeline run as a user runs it (pipeline.sh: four scripts with no mlmeta code under
 * NODE_OPTIONS, an outside converter declared with `mlmeta derive`), then the chain is read back
 * from the store, by content: served model → model → train → features → prepare → raw CSV.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Artifact,
  deployedModels,
  digestPath,
  type Execution,
  type MetadataStore,
  openStore,
  sha256File,
  waitForFileRecords,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(root, 'packages/cli/dist/bin.js');
let dir: string;
let store: MetadataStore;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  );
  return {
    ...base,
    MLMETA_STORE: `sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`,
    MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
    MLMETA_PIPELINE_RUN: 'test-1',
    ...extra,
  };
}

function sh(command: string, args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd: dir, env: env(extra), encoding: 'utf8', timeout: 240_000 });
  expect(result.status, `${command} ${args.join(' ')}\n${result.stderr}`).toBe(0);
  expect(result.stderr).not.toMatch(/\[mlmeta\] (warn|error)/);
  return result.stdout;
}

const mlmeta = (...args: string[]) => JSON.parse(sh(process.execPath, [BIN, ...args, '--json']));

/** Every execution that output `artifact`, oldest first, each with the artifacts it read. */
async function producers(artifact: Artifact): Promise<Array<{ execution: Execution; inputs: Artifact[] }>> {
  const events = await store.getEvents({ artifactIds: [artifact.id] });
  const outputs = events.filter((e) => e.type === 'OUTPUT');
  expect(outputs.length, `a producer of ${artifact.uri}`).toBeGreaterThan(0);
  return Promise.all(
    outputs.map(async (event) => {
      const execution = (await store.getExecution({ id: event.executionId }))!;
      return { execution, inputs: await inputsOf(execution) };
    }),
  );
}

/** The one execution that output `artifact`, and the artifacts it read. */
async function producer(artifact: Artifact): Promise<{ execution: Execution; inputs: Artifact[] }> {
  const all = await producers(artifact);
  expect(
    all.map((p) => p.execution.type),
    `producers of ${artifact.uri}`,
  ).toHaveLength(1);
  return all[0]!;
}

async function inputsOf(execution: Execution): Promise<Artifact[]> {
  const ids = (await store.getEvents({ executionIds: [execution.id] }))
    .filter((e) => e.type === 'INPUT')
    .map((e) => e.artifactId);
  return (await store.getArtifacts({ ids, limit: Math.max(1, ids.length) })).items;
}

beforeAll(async () => {
  mkdirSync(join(root, 'test-output'), { recursive: true });
  dir = mkdtempSync(join(root, 'test-output', 'pipeline-'));
  cpSync(join(root, 'examples/pipeline'), dir, {
    recursive: true,
    filter: (src) =>
      !/[/\\](model|reports|\.mlmeta|node_modules)$|model\.onnx$|features\.json$|test\.json$/.test(src),
  });
  sh('sh', ['pipeline.sh']);
  // serve.mjs's files are recorded by the detached child it started at exit.
  expect(await waitForFileRecords(join(dir, '.mlmeta', 'spool'), 60_000)).toBe(0);
  store = await openStore(`sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`, { readOnly: true });
}, 300_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('examples/pipeline', () => {
  it('links the served model to the raw CSV through every step, by content', async () => {
    // serve.mjs serves model.onnx with onnxruntime and the tfjs model with predict; evaluate.mjs
    // predicts with the tfjs model too. Each Serve's input is its model, by content.
    const serves = (await store.getExecutions({ type: 'mlmeta.Serve' })).items;
    const servedModels = await Promise.all(serves.map(async (s) => (await inputsOf(s))[0]!));
    const onnxDigest = await sha256File(join(dir, 'model.onnx'));
    const served = servedModels.find((m) => m.externalId === onnxDigest);
    const folder = (await digestPath(join(dir, 'model'))).digest;
    // The tfjs model, loaded from model/ by a custom IOHandler, is served as that folder's node.
    const tfjsServed = servedModels.filter((m) => m !== served);
    expect(tfjsServed.map((m) => m.externalId)).toEqual([folder, folder]);

    const convert = await producer(served!);
    expect(convert.execution.type).toBe('mlmeta.Convert');
    const model = convert.inputs[0]!;
    expect(model.externalId).toBe(folder);
    expect(model.id).toBe(tfjsServed[0]!.id);

    // One node for model/: saved by the fit (with its hyperparameters) and written by train.mjs.
    const made = await producers(model);
    expect(made.map((p) => p.execution.type).sort()).toEqual(['mlmeta.Script', 'mlmeta.Train']);
    const fit = made.find((p) => p.execution.type === 'mlmeta.Train')!;
    expect(fit.execution.customProperties['param.epochs']).toBe(30);
    const train = made.find((p) => p.execution.type === 'mlmeta.Script')!;
    expect(train.execution.customProperties['mlmeta.run_name']).toBe('train');
    // Deployed: the tfjs model served from model/ was made by the fit, not just "the train script".
    const tfjsDeployed = (await deployedModels(store)).filter((d) => d.modelArtifact?.id === model.id);
    expect(tfjsDeployed.length).toBeGreaterThan(0);
    for (const d of tfjsDeployed) expect(d.producer?.id).toBe(fit.execution.id);
    const features = train.inputs.find((a) => a.uri?.endsWith('features.json'))!;
    expect(features.externalId).toBe(await sha256File(join(dir, 'data', 'features.json')));

    const prepare = await producer(features);
    expect(prepare.execution.customProperties['mlmeta.run_name']).toBe('prepare');
    expect(prepare.inputs.map((a) => a.externalId)).toEqual([await sha256File(join(dir, 'data', 'raw.csv'))]);

    // The same chain through the CLI, from the served file.
    const up = mlmeta('lineage', 'model.onnx', '--upstream');
    expect(up.artifacts.map((a: Artifact) => a.externalId)).toContain(prepare.inputs[0]!.externalId);
    expect(up.executions.map((e: Execution) => e.id)).toContain(fit.execution.id);
  });

  it('groups the steps as one pipeline run', () => {
    const { runs } = mlmeta('runs', '--pipeline', 'iris/test-1');
    const names = runs.map((r: { name: string }) => r.name);
    for (const step of ['prepare', 'train', 'evaluate', 'serve']) expect(names).toContain(step);
    expect(mlmeta('runs', '--pipeline', 'iris').runs.length).toBe(runs.length);
    expect(mlmeta('runs', '--pipeline', 'other').runs).toEqual([]);
  });

  it('after editing one row of data/raw.csv, lineage --downstream shows the models made from it', () => {
    const csv = join(dir, 'data', 'raw.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('5.1,3.5,1.4,0.2', '5.2,3.5,1.4,0.2'));
    const down = mlmeta('lineage', 'data/raw.csv', '--downstream');
    const models = down.artifacts
      .filter((a: Artifact) => a.type === 'mlmeta.Model')
      .map((a: Artifact) => a.uri);
    expect(models).toEqual(expect.arrayContaining([join(dir, 'model'), join(dir, 'model.onnx')]));
  });
});
