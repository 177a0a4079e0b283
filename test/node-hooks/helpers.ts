/**
 * Running the fixture programs as real child processes, with or without the preload hook, and
 * reading back what they recorded. The children run the built dist/ (npm test builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Artifact, type Execution, type MetadataStore, openStore } from '@mlmeta/core';
import { buildLinearModel } from '../../packages/onnx/test/helpers/build-model.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const fixture = (name: string) => join(root, 'test/node-hooks/fixtures', name);
export const REGISTER = '@mlmeta/node-hooks/register';

/** Fails early, with what to do, when the preload entries have not been built. */
export function assertBuilt(): void {
  for (const file of ['packages/node-hooks/dist/register.js', 'packages/node-hooks/dist/register.cjs']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
}

export interface Workspace {
  dir: string;
  storeFile: string;
  spoolDir: string;
  modelDir: string;
  onnxPath: string;
  /** MLMETA_* variables pointing at this workspace, with the slow capture probes off. */
  env: Record<string, string>;
}

/** A temporary folder with its own store, spool, and a real .onnx model. */
export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-hooks-'));
  const onnxPath = join(dir, 'linear.onnx');
  writeFileSync(onnxPath, buildLinearModel());
  const storeFile = join(dir, 'mlmeta.db');
  const spoolDir = join(dir, 'spool');
  return {
    dir,
    storeFile,
    spoolDir,
    modelDir: join(dir, 'model'),
    onnxPath,
    env: {
      MLMETA_STORE: `sqlite:${storeFile}`,
      MLMETA_SPOOL_DIR: spoolDir,
      MLMETA_CAPTURE_DISABLED: 'git,hardware',
    },
  };
}

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  done: Promise<Outcome>;
  /** Resolves when stdout has printed `text`. */
  printed(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts `node <nodeArgs> <script> <args>` from the repository root (where the package names
 * resolve), with a clean environment: no NODE_OPTIONS or MLMETA_* from the test runner.
 */
export function start(
  nodeArgs: string[],
  script: string,
  args: string[],
  env: Record<string, string>,
): Child {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  );
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of waiting.filter((w) => stdout.includes(w.text))) w.resolve();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    done,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiting.push({ text, resolve });
        done.then(() => reject(new Error(`exited before printing ${text}: ${stderr}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

/** Runs a program to its end. */
export function run(nodeArgs: string[], script: string, args: string[], env: Record<string, string>) {
  return start(nodeArgs, script, args, env).done;
}

/** mlmeta's own stderr lines. */
export const mlmetaLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('[mlmeta] '));

/** Everything but mlmeta's own lines, to compare an app's output with and without the hook. */
export const appLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('[mlmeta] '))
    .join('\n');

export interface Recorded {
  executions: Execution[];
  inputs: Map<number, Artifact[]>;
  outputs: Map<number, Artifact[]>;
  processContextIds: Map<number, number[]>;
}

/** The executions of `type` in `store`, with their input and output artifacts and process contexts. */
export async function recorded(store: MetadataStore, type: string): Promise<Recorded> {
  const executions = (await store.getExecutions({ type })).items;
  const inputs = new Map<number, Artifact[]>();
  const outputs = new Map<number, Artifact[]>();
  const processContextIds = new Map<number, number[]>();
  const processes = new Set((await store.getContexts({ type: 'mlmeta.Process' })).items.map((c) => c.id));
  for (const execution of executions) {
    const events = await store.getEvents({ executionIds: [execution.id] });
    const artifacts = async (kind: string) => {
      const ids = events.filter((e) => e.type === kind).map((e) => e.artifactId);
      return Promise.all(ids.map(async (id) => (await store.getArtifact({ id }))!));
    };
    inputs.set(execution.id, await artifacts('INPUT'));
    outputs.set(execution.id, await artifacts('OUTPUT'));
    const associations = await store.getAssociations({ executionIds: [execution.id] });
    processContextIds.set(
      execution.id,
      associations.map((a) => a.contextId).filter((id) => processes.has(id)),
    );
  }
  return { executions, inputs, outputs, processContextIds };
}

export { openStore };
