/**
 * Files by content and unambiguous names, through the built `mlmeta` bin against a SQLite store
 * filled by real tracked runs (fixtures/files.mjs uses the built @mlmeta/core).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/files.mjs', import.meta.url));

let dir: string;
let work: string;

function env(): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.COLUMNS;
  return {
    ...base,
    MLMETA_STORE: `sqlite:${join(dir, 'store.db')}`,
    MLMETA_SPOOL_DIR: join(dir, 'spool'),
    MLMETA_CAPTURE_DISABLED: 'hardware,git,packages',
    MLMETA_HEARTBEAT_INTERVAL: '0.1',
  };
}

function mlmeta(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env(), cwd: dir });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const json = (...args: string[]) => {
  const result = mlmeta(...args, '--json');
  expect(result.code, result.err).toBe(0);
  return JSON.parse(result.out);
};

function record(what: string) {
  const result = spawnSync(process.execPath, [FIXTURE, work, what], {
    encoding: 'utf8',
    env: env(),
    cwd: dir,
  });
  if (what !== 'lost') expect(result.status, result.stderr).toBe(0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-cli-files-'));
  work = join(dir, 'work');
  record('export');
  record('serve');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('files by content', () => {
  it('finds the run that wrote a file by its digest, though it was logged by uri only and served by digest', () => {
    const traced = json('trace', join(work, 'model.onnx'));
    expect(traced.matchedBy).toBe('digest');
    expect(traced.artifact.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(traced.producedBy.map((r: { name: string }) => r.name)).toEqual(['export-onnx']);
    const down = json('lineage', join(work, 'model.onnx'), '--downstream');
    const names = down.executions.map(
      (e: { customProperties: Record<string, unknown> }) => e.customProperties['mlmeta.run_name'],
    );
    expect(names).toContain('serve-onnx');
  });

  it('says a file changed since it was recorded and names the run that recorded the older content', () => {
    const file = join(work, 'model.onnx');
    const recorded = json('trace', file).artifact.externalId;
    writeFileSync(file, 'onnx bytes, version 2');
    const traced = mlmeta('trace', file);
    expect(traced.code).toBe(0);
    expect(traced.err).toMatch(/model\.onnx changed since it was recorded/);
    expect(traced.err).toMatch(/run export-onnx #\d+ recorded sha256:/);
    const asJson = json('trace', file);
    expect(asJson.matchedBy).toBe('uri');
    expect(asJson.changed.recordedDigest).toBe(recorded);
    expect(asJson.changed.recordedBy.map((r: { name: string }) => r.name)).toContain('export-onnx');
    // lineage of the changed file says so too, naming the run, and shows the older content's graph.
    const tree = mlmeta('lineage', file, '--upstream');
    expect(tree.code).toBe(0);
    expect(tree.err).toMatch(
      /model\.onnx changed since it was recorded: its bytes are sha256:\w+, but run export-onnx #\d+ recorded sha256:/,
    );
    const lineageJson = json('lineage', file, '--upstream');
    expect(lineageJson.changed.recordedDigest).toBe(recorded);
    expect(lineageJson.changed.recordedBy[0].name).toBe('export-onnx');
    writeFileSync(file, 'onnx bytes, version 1');
    expect(mlmeta('lineage', file, '--upstream').err).not.toMatch(/changed since/);
  });
});

describe('unambiguous names', () => {
  it('a bare number that is both a run id and an artifact id is an error listing run:N and artifact:N', () => {
    for (const command of ['lineage', 'show', 'trace']) {
      const { code, err } = mlmeta(command, '1');
      expect(code, command).toBe(2);
      expect(err).toMatch(
        /"1" is both a run and an artifact: write run:1 \(mlmeta\.Run export-onnx\) or artifact:1/,
      );
    }
    expect(json('lineage', 'run:1').start).toEqual({ kind: 'execution', id: 1 });
    expect(json('lineage', 'artifact:1').start).toEqual({ kind: 'artifact', id: 1 });
    expect(json('trace', 'artifact:1').producedBy[0].name).toBe('export-onnx');
    expect(json('show', 'run:1').run.name).toBe('export-onnx');
  });

  it('--help says how to write an id that is both', () => {
    for (const command of ['lineage', 'show', 'trace']) {
      expect(mlmeta(command, '--help').out.replace(/\s+/g, ' ')).toMatch(/run:N|artifact:N/);
    }
  });

  it('a killed run shows as LOST in lineage text and JSON', async () => {
    record('lost');
    await new Promise((r) => setTimeout(r, 600));
    const graph = json('lineage', join(work, 'model.onnx'), '--downstream');
    const killed = graph.executions.find(
      (e: { customProperties: Record<string, unknown> }) =>
        e.customProperties['mlmeta.run_name'] === 'killed-run',
    );
    expect(killed).toMatchObject({ lastKnownState: 'RUNNING', status: 'LOST' });
    expect(mlmeta('lineage', join(work, 'model.onnx'), '--downstream').out).toMatch(/killed-run {2}LOST/);
  });
});

describe('cached steps', () => {
  it('show names the run a cache hit reused', () => {
    record('cached');
    const again = json('show', 'featurize-again').run;
    expect(again.state).toBe('CACHED');
    expect(again.cachedFrom.name).toBe('featurize-first');
    expect(mlmeta('show', 'featurize-again').out).toMatch(
      /cached: +reused the outputs of run featurize-first #\d+/,
    );
  });
});
