/**
 * Model versions end to end: real tfjs saves and onnxruntime-node serving in child processes
 * (two of them saving at once), then `mlmeta models`, `deployed`, `model alias` and
 * `show model:<name>@<alias>` through the built bin, on SQLite and on PostgreSQL.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { buildLinearModel } from '../../packages/onnx/test/helpers/build-model.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const FIXTURE = fileURLToPath(new URL('./fixtures/model-versions.mjs', import.meta.url));
const postgres = await probePostgres('model versions end to end');
const schema = testSchema('versions');
afterAll(() => schema.drop(), 60_000);

const backends: Array<[string, () => Promise<string>, boolean]> = [
  [
    'sqlite',
    async () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'mlmeta-versions-')), 'store.db')}`,
    false,
  ],
  ['postgres', () => schema.fresh(), postgres.skip],
];

describe.each(backends)('model versions on %s', (_label, makeStore, skip) => {
  let dir: string;
  let store: string;
  let live: ChildProcess | undefined;

  const env = (): NodeJS.ProcessEnv => {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && k !== 'COLUMNS',
      ),
    );
    return {
      ...base,
      MLMETA_STORE: store,
      MLMETA_SPOOL_DIR: join(dir, 'spool'),
      MLMETA_CAPTURE_DISABLED: 'hardware,git,packages',
    };
  };
  const child = (...args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [FIXTURE, ...args], {
        cwd: ROOT,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)),
      );
    });
  const mlmeta = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env(), cwd: dir });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const json = (...args: string[]) => {
    const r = mlmeta(...args, '--json');
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out);
  };

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-versions-work-'));
    store = await makeStore();
    const models = join(dir, 'models');
    await child('train', models, '1');
    // Two processes saving under one name at once get two different version numbers.
    await Promise.all([child('train', models, '2'), child('train', models, '3')]);
    writeFileSync(join(dir, 'fraud-a.onnx'), buildLinearModel({ scale: 1 }));
    writeFileSync(join(dir, 'fraud-b.onnx'), buildLinearModel({ scale: 2 }));
    const served = join(dir, 'fraud.onnx');
    copyFileSync(join(dir, 'fraud-a.onnx'), served);
    await child('serve', served);
    copyFileSync(join(dir, 'fraud-b.onnx'), served);
    live = spawn(process.execPath, [FIXTURE, 'serve', served, 'live'], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      live!.stdout!.on('data', (d) => String(d).includes('serving') && resolve());
      live!.on('exit', (code) => reject(new Error(`the live server exited ${code}`)));
    });
  }, 300_000);
  afterAll(async () => {
    if (live && live.exitCode === null) {
      const exited = new Promise((resolve) => live!.once('exit', resolve));
      live.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it.skipIf(skip)(
    'lists each name with its versions, the run and data behind each, and where each is served',
    () => {
      const { models } = json('models');
      expect(models.map((m: { name: string }) => m.name)).toEqual(['fraud', 'iris']);
      const [fraud, iris] = models;
      expect(iris.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
      const digests = new Set(iris.versions.map((v: { artifact: { digest: string } }) => v.artifact.digest));
      expect(digests.size).toBe(3);
      for (const v of iris.versions) {
        expect(v.producedBy.type).toBe('mlmeta.Train');
        expect(v.inputs.map((a: { type: string }) => a.type)).toContain('mlmeta.Dataset');
      }
      expect(
        fraud.versions.map((v: { version: number; servedOn: Array<{ live: boolean }> }) => [
          v.version,
          v.servedOn.map((s) => s.live),
        ]),
      ).toEqual([
        [1, [false]],
        [2, [true]],
      ]);
      const text = mlmeta('models', 'iris');
      expect(text.code, text.err).toBe(0);
      expect(text.out).toMatch(/iris\s+3\s/);
      expect(text.out).toMatch(/#\d+ /);
      expect(text.out).not.toContain('fraud');
      const unknown = mlmeta('models', 'nope');
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('no model named nope; models: fraud, iris');
    },
  );

  it.skipIf(skip)('says which version is served where and since when, live apart from ended', () => {
    const { deployed } = json('deployed');
    expect(
      deployed.map((d: { name: string; version: number; live: boolean }) => [d.name, d.version, d.live]),
    ).toEqual([
      ['fraud', 2, true],
      ['fraud', 1, false],
    ]);
    expect(deployed[1].until).toBeGreaterThanOrEqual(deployed[1].since);
    const text = mlmeta('deployed', '--model', 'fraud');
    expect(text.code, text.err).toBe(0);
    expect(text.out.indexOf('live (serving now):')).toBeLessThan(text.out.indexOf('ended:'));
    expect(text.out).toContain('fraud v2');
    const nope = mlmeta('deployed', '--model', 'nope');
    expect(nope.code).toBe(1);
    expect(nope.err).toContain('no serving of a model named nope is recorded');
  });

  it.skipIf(skip)('records an alias with who set it and when, and resolves model:<name>@<alias>', () => {
    const set = mlmeta('model', 'alias', 'iris', 'production', '2');
    expect(set.code, set.err).toBe(0);
    expect(set.out).toContain('iris@production → version 2');
    const [iris] = json('models', 'iris').models;
    expect(iris.aliases).toEqual([
      { alias: 'production', version: 2, setBy: userInfo().username, setAt: expect.any(Number) },
    ]);
    expect(mlmeta('models', 'iris').out).toContain(
      `iris@production → version 2, set by ${userInfo().username}`,
    );
    const shown = json('show', 'model:iris@production');
    expect(shown.model.version).toBe(2);
    expect(shown.run.externalId).toBe(iris.versions[1].producedBy.externalId);
    const traced = json('lineage', 'model:iris@production', '--upstream');
    expect(traced.start.id).toBe(iris.versions[1].artifact.id);
    const missing = mlmeta('show', 'model:iris@staging');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no alias staging; its aliases are production');
    const badVersion = mlmeta('model', 'alias', 'iris', 'production', '9');
    expect(badVersion.code).toBe(1);
    expect(badVersion.err).toContain('model iris has no version 9; its versions are 1, 2, 3');
  });

  it.skipIf(skip)("show artifact:N of a model version lists its name's versions and aliases", () => {
    const [iris] = json('models', 'iris').models;
    const second = iris.versions[1].artifact.id;
    const { artifact } = json('show', `artifact:${second}`);
    expect(artifact.model).toMatchObject({ name: 'iris', version: 2, aliases: ['production'] });
    expect(
      artifact.model.versions.map((v: { version: number; current: boolean }) => [v.version, v.current]),
    ).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(artifact.properties['model.name']).toBeUndefined();
    const text = mlmeta('show', `artifact:${second}`);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/\nmodel iris, version 2 of 3\n {2}1 {2}#\d+/);
    expect(text.out).toMatch(/\n {2}2 {2}#\d+ .* {2}production {2}\(this one\)\n/);
  });
});
