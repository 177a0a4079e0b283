/**
 * Zero-code file lineage: scripts with no mlmeta code, run as real subprocesses with only
 * NODE_OPTIONS set, link up through the files one writes and the next reads, by content.
 */
import { spawnSync } from 'node:child_process';
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
  'serve.mjs': `import { readFile } from 'node:fs/promises';
const json = JSON.parse(await readFile('model/model.json', 'utf8'));
await readFile('model/weights.bin');
console.log('served', Object.keys(json).length);
`,
};

let dir: string;
let store: MetadataStore;

/**
 * Runs one script under the hook and waits until the detached child it starts at exit has
 * recorded its files (the child's log, kept only when it wrote something, must not exist).
 */
async function step(script: string, extra: Record<string, string> = {}) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  );
  const register = script.endsWith('.cjs') ? `--require ${REGISTER_CJS}` : `--import ${REGISTER_ESM}`;
  const result = spawnSync(process.execPath, [script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...base,
      NODE_OPTIONS: register,
      MLMETA_STORE: `sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`,
      MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
      ...extra,
    },
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
});
