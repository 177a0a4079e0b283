/**
 * Zero-code file lineage: scripts with no mlmeta code, run as real subprocesses with only
 * NODE_OPTIONS set, link up through the files one writes and the next reads, by content.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Artifact,
  digestPath,
  fileRecordsDir,
  type MetadataStore,
  openStore,
  sha256File,
  waitForFileRecords,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, root } from './helpers.js';

const REGISTER_ESM = join(root, 'packages/node-hooks/dist/register.js');
const REGISTER_CJS = join(root, 'packages/node-hooks/dist/register.cjs');

const SCRIPTS: Record<string, string> = {
  // fs sync calls, an ESM named import, a write stream.
  'prepare.mjs': `import { readFileSync, writeFileSync, createWriteStream } from 'node:fs';
const rows = readFileSync('data/raw.csv', 'utf8').trim().split('\\n').slice(1);
writeFileSync('data/features.json', JSON.stringify(rows.map((r) => r.split(',').map(Number))));
const log = createWriteStream('data/prepare.log');
log.write('prepared ' + rows.length + ' rows');
log.end();
`,
  // callbacks, fs/promises, a FileHandle, a read stream, a folder of model files, a file under node_modules.
  'train.cjs': `const fs = require('node:fs');
const path = require('node:path');
fs.readFileSync(path.join('node_modules', 'lib', 'weights.txt'));
fs.readFile('data/features.json', 'utf8', async (error, text) => {
  if (error) throw error;
  await fs.promises.mkdir('model', { recursive: true });
  await fs.promises.writeFile(path.join('model', 'weights.bin'), Buffer.from(text));
  const handle = await fs.promises.open(path.join('model', 'model.json'), 'w');
  await handle.writeFile(JSON.stringify({ modelTopology: {}, weightsManifest: [] }));
  await handle.close();
  fs.createReadStream('data/prepare.log').on('data', () => {}).on('close', () => console.log('trained'));
});
`,
  // A folder of many small files is one dataset.
  'shards.mjs': `import { readFileSync } from 'node:fs';
let n = 0;
for (let i = 0; i < 100; i++) n += readFileSync('shards/' + i + '.txt').length;
console.log(n);
`,
  // Ends with process.exit(): no beforeExit, no pending timers run.
  'exits.mjs': `import { readFileSync, writeFileSync } from 'node:fs';
const rows = readFileSync('data/raw.csv', 'utf8');
writeFileSync('data/exited.txt', rows.toUpperCase());
process.exit(0);
`,
  // fds: a file read by fd, and one written by fd that is still open when the process exits.
  'fds.mjs': `import { closeSync, openSync, readSync, writeSync } from 'node:fs';
const input = openSync('data/raw.csv', 'r');
const bytes = Buffer.alloc(64);
readSync(input, bytes);
closeSync(input);
const out = openSync('data/by-fd.txt', 'w');
writeSync(out, bytes);
process.exit(0);
`,
  // Waits to be stopped; WAIT_CORE: with a tracker run of its own; WAIT_HANDLER: with its own SIGTERM handler.
  'waits.mjs': `import { readFileSync, writeFileSync } from 'node:fs';
writeFileSync('data/waited.txt', 'waited on ' + readFileSync('data/raw.csv', 'utf8'));
if (process.env.WAIT_CORE) {
  const { startRun } = await import(process.env.WAIT_CORE);
  await startRun({ name: 'tracked-' + process.env.MLMETA_RUN_NAME }).flush();
}
if (process.env.WAIT_HANDLER)
  process.on('SIGTERM', () => {
    writeFileSync('data/handled.txt', 'stopped');
    process.exit(0);
  });
console.log('ready');
setInterval(() => {}, 1000);
`,
  'serve.mjs': `import { readFile } from 'node:fs/promises';
const json = JSON.parse(await readFile('model/model.json', 'utf8'));
await readFile('model/weights.bin');
console.log('served', Object.keys(json).length);
`,
};

let dir: string;
let store: MetadataStore;

/** The test runner's environment without its NODE_OPTIONS and MLMETA_*, with the hook and this store. */
function stepEnv(register: string): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  ) as Record<string, string>;
  return {
    ...base,
    NODE_OPTIONS: register,
    MLMETA_STORE: `sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`,
    MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
  };
}

/**
 * Runs one script under the hook and waits until the detached child it starts at exit has
 * recorded its files (the child's log, kept only when it wrote something, must not exist).
 */
async function step(script: string, extra: Record<string, string> = {}) {
  const register = script.endsWith('.cjs') ? `--require ${REGISTER_CJS}` : `--import ${REGISTER_ESM}`;
  const result = spawnSync(process.execPath, [script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...stepEnv(register), ...extra },
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).not.toMatch(/\[mlmeta\] (warn|error)/);
  const spool = join(dir, '.mlmeta', 'spool');
  expect(await waitForFileRecords(spool, 60_000)).toBe(0);
  const records = fileRecordsDir(spool);
  const logs = existsSync(records) ? readdirSync(records).filter((name) => name.endsWith('.log')) : [];
  for (const log of logs) expect(readFileSync(join(records, log), 'utf8'), log).toBe('');
  return result;
}

/** Starts waits.mjs under the hook, sends `signal` once it is ready, and returns how it ended. */
async function stopped(signal: NodeJS.Signals, extra: Record<string, string>) {
  const child = spawn(process.execPath, ['waits.mjs'], {
    cwd: dir,
    env: { ...stepEnv(`--import ${REGISTER_ESM}`), ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, by) => resolve({ code, signal: by })),
  );
  await new Promise<void>((ready) =>
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) ready();
    }),
  );
  child.kill(signal);
  // A process that outlives the signal fails the test on its signal, instead of staying around.
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const outcome = await ended;
  clearTimeout(guard);
  expect(stderr).not.toMatch(/\[mlmeta\] (warn|error)/);
  expect(await waitForFileRecords(join(dir, '.mlmeta', 'spool'), 60_000)).toBe(0);
  return outcome;
}

async function scriptRun(name: string) {
  const runs = await store.getExecutions({
    type: 'mlmeta.Script',
    filter: `custom_properties.\`mlmeta.run_name\` = '${name}'`,
    orderBy: 'id',
    descending: true,
    limit: 1,
  });
  const run = runs.items[0];
  expect(run, `a Script execution for ${name}`).toBeDefined();
  const events = await store.getEvents({ executionIds: [run!.id] });
  const ids = events.map((e) => e.artifactId);
  const artifacts = new Map(
    (await store.getArtifacts({ ids, limit: Math.max(1, ids.length) })).items.map((a) => [a.id, a]),
  );
  const side = (type: string) =>
    events.filter((e) => e.type === type).map((e) => artifacts.get(e.artifactId)!) as Artifact[];
  return { run: run!, inputs: side('INPUT'), outputs: side('OUTPUT') };
}

const uris = (list: Artifact[]) => list.map((a) => a.uri!.slice(dir.length + 1)).sort();

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-files-'));
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'node_modules', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'lib', 'weights.txt'), 'not data');
  writeFileSync(join(dir, 'data', 'raw.csv'), 'a,b\n1,2\n3,4\n');
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, 'shards'));
  for (let i = 0; i < 100; i++) writeFileSync(join(dir, 'shards', `${i}.txt`), `shard ${i}`);
  await step('prepare.mjs');
  await step('train.cjs');
  await step('serve.mjs');
  store = await openStore(`sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`);
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file capture under the preload hook', () => {
  it('records the files each script reads and writes as inputs and outputs of its Script execution', async () => {
    const prepare = await scriptRun('prepare');
    expect(prepare.run.lastKnownState).toBe('COMPLETE');
    expect(uris(prepare.inputs)).toEqual(['data/raw.csv']);
    expect(uris(prepare.outputs)).toEqual(['data/features.json', 'data/prepare.log']);
    const train = await scriptRun('train');
    // node_modules and the script itself are not data.
    expect(uris(train.inputs)).toEqual(['data/features.json', 'data/prepare.log']);
    // The model folder is one artifact, by the manifest of its files.
    expect(uris(train.outputs)).toEqual(['model']);
    expect(train.outputs[0]!.type).toBe('mlmeta.Model');
    const serve = await scriptRun('serve');
    expect(uris(serve.inputs)).toEqual(['model']);
  });

  it('identifies each file by content, so the steps are one graph: serve ← model ← train ← features ← prepare ← raw.csv', async () => {
    const prepare = await scriptRun('prepare');
    const train = await scriptRun('train');
    const serve = await scriptRun('serve');
    const raw = prepare.inputs[0]!;
    expect(raw.externalId).toBe(await sha256File(join(dir, 'data', 'raw.csv')));
    const features = prepare.outputs.find((a) => a.uri!.endsWith('features.json'))!;
    expect(train.inputs.map((a) => a.id)).toContain(features.id);
    expect(serve.inputs[0]!.id).toBe(train.outputs[0]!.id);
    const graph = await store.getLineage({
      start: { executions: { ids: [serve.run.id] } },
      direction: 'upstream',
      maxHops: 10,
    });
    expect(graph.artifacts.map((a) => a.id)).toContain(raw.id);
    expect(graph.executions.map((e) => e.id).sort()).toEqual(
      [prepare.run.id, train.run.id, serve.run.id].sort(),
    );
  });

  it('the same script with the same bytes links to the same nodes; MLMETA_CAPTURE_DISABLED=files records nothing', async () => {
    const before = (await store.getArtifacts({})).items.length;
    await step('prepare.mjs', { MLMETA_CAPTURE_DISABLED: 'git,hardware,packages,files' });
    const scripts = await store.getExecutions({ type: 'mlmeta.Script' });
    expect(scripts.items).toHaveLength(3);
    await step('prepare.mjs');
    expect((await store.getArtifacts({})).items.length).toBe(before);
    expect((await store.getExecutions({ type: 'mlmeta.Script' })).items).toHaveLength(4);
  });

  it('records the files of a process that ends with process.exit()', async () => {
    await step('exits.mjs');
    const exits = await scriptRun('exits');
    expect(exits.run.lastKnownState).toBe('COMPLETE');
    expect(uris(exits.inputs)).toEqual(['data/raw.csv']);
    expect(uris(exits.outputs)).toEqual(['data/exited.txt']);
    expect(exits.outputs[0]!.externalId).toBe(await sha256File(join(dir, 'data', 'exited.txt')));
  });

  it('records files used through fds, one of them still open when the process exits', async () => {
    await step('fds.mjs');
    const fds = await scriptRun('fds');
    expect(uris(fds.inputs)).toEqual(['data/raw.csv']);
    expect(uris(fds.outputs)).toEqual(['data/by-fd.txt']);
    expect(fds.outputs[0]!.externalId).toBe(await sha256File(join(dir, 'data', 'by-fd.txt')));
  });

  it('records a folder read file by file (100 shards) as one artifact, by its manifest', async () => {
    await step('shards.mjs');
    const shards = await scriptRun('shards');
    expect(uris(shards.inputs)).toEqual(['shards']);
    expect(shards.inputs[0]!.externalId).toBe((await digestPath(join(dir, 'shards'))).digest);
  });

  it('MLMETA_CAPTURE_FILES narrows what is recorded with include and !exclude globs', async () => {
    await step('prepare.mjs', { MLMETA_CAPTURE_FILES: 'data/**,!**/*.log', MLMETA_RUN_NAME: 'globbed' });
    const globbed = await scriptRun('globbed');
    expect(uris(globbed.inputs)).toEqual(['data/raw.csv']);
    expect(uris(globbed.outputs)).toEqual(['data/features.json']);
  });

  it('records the files of a process stopped by SIGTERM (no handler of its own): CANCELED, and it still dies by the signal', async () => {
    const outcome = await stopped('SIGTERM', { MLMETA_RUN_NAME: 'terminated' });
    expect(outcome.signal).toBe('SIGTERM');
    const terminated = await scriptRun('terminated');
    expect(terminated.run.lastKnownState).toBe('CANCELED');
    expect(terminated.run.customProperties['mlmeta.signal']).toBe('SIGTERM');
    expect(uris(terminated.inputs)).toEqual(['data/raw.csv']);
    expect(uris(terminated.outputs)).toEqual(['data/waited.txt']);
  });

  it('with a tracker of its own, SIGINT ends both its run and its Script run as CANCELED, and the process dies by SIGINT', async () => {
    const core = pathToFileURL(join(root, 'packages/core/dist/index.js')).href;
    const outcome = await stopped('SIGINT', { MLMETA_RUN_NAME: 'interrupted', WAIT_CORE: core });
    expect(outcome.signal).toBe('SIGINT');
    const interrupted = await scriptRun('interrupted');
    expect(interrupted.run.lastKnownState).toBe('CANCELED');
    expect(uris(interrupted.outputs)).toEqual(['data/waited.txt']);
    const tracked = await store.getExecutions({
      filter: `custom_properties.\`mlmeta.run_name\` = 'tracked-interrupted'`,
    });
    expect(tracked.items.map((run) => run.lastKnownState)).toEqual(['CANCELED']);
  });

  it("an app's own SIGTERM handler decides: its exit code stands, and what it wrote is recorded", async () => {
    const outcome = await stopped('SIGTERM', { MLMETA_RUN_NAME: 'handled', WAIT_HANDLER: 'true' });
    expect(outcome).toEqual({ code: 0, signal: null });
    const handled = await scriptRun('handled');
    expect(handled.run.lastKnownState).toBe('CANCELED');
    expect(uris(handled.outputs)).toEqual(['data/handled.txt', 'data/waited.txt']);
  });

  it('SIGKILL records no files (nothing runs), and what was recorded before stays intact', async () => {
    const before = (await store.getExecutions({ type: 'mlmeta.Script' })).items;
    const core = pathToFileURL(join(root, 'packages/core/dist/index.js')).href;
    const outcome = await stopped('SIGKILL', { MLMETA_RUN_NAME: 'killed', WAIT_CORE: core });
    expect(outcome.signal).toBe('SIGKILL');
    // No job was left behind for readers to wait on, and the Script runs recorded before are unchanged.
    expect(
      readdirSync(fileRecordsDir(join(dir, '.mlmeta', 'spool'))).filter((n) => n.endsWith('.json')),
    ).toEqual([]);
    expect((await store.getExecutions({ type: 'mlmeta.Script' })).items).toEqual(before);
    // The tracker's records flushed before the kill are in the store; the run reads as RUNNING until its heartbeat goes stale (LOST).
    const tracked = await store.getExecutions({
      filter: `custom_properties.\`mlmeta.run_name\` = 'tracked-killed'`,
    });
    expect(tracked.items.map((run) => run.lastKnownState)).toEqual(['RUNNING']);
  });
});
