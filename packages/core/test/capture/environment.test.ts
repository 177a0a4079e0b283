import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureEnvironment, DEFAULT_ENV_ALLOWLIST, REDACTED } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = `ghs_${'Cq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`;
const ARGV_CANARY = 'argv-canary-value-7781';
const ENV_CANARY = 'env-canary-value-9923';

let root: string;
let app: string;
let script: string;

const sh = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2));

beforeAll(() => {
  // A workspace: the root holds the lockfile and the hoisted node_modules, the app lives below.
  root = mkdtempSync(join(tmpdir(), 'mlmeta-env-'));
  app = join(root, 'packages', 'app');
  mkdirSync(app, { recursive: true });
  writeJson(join(root, 'package.json'), { name: 'ws-root', private: true, workspaces: ['packages/*'] });
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
  writeJson(join(app, 'package.json'), {
    name: 'app',
    version: '0.3.0',
    dependencies: { 'dep-hoisted': '^1.0.0', 'dep-local': '2.x', 'dep-missing': '1' },
    devDependencies: { '@scope/dev-tool': '*' },
  });
  const pkg = (dir: string, name: string, version: string) => {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeJson(join(dir, 'node_modules', name, 'package.json'), { name, version });
  };
  pkg(root, 'dep-hoisted', '1.4.2');
  pkg(app, 'dep-local', '2.0.1');
  pkg(root, '@scope/dev-tool', '0.0.9');
  pkg(root, '@tensorflow/tfjs', '4.22.0');
  pkg(root, 'onnxruntime-node', '1.30.0');
  script = join(app, 'train.mjs');
  writeFileSync(script, 'console.log("train");\n');
  writeFileSync(join(app, 'big.txt'), 'start\n');

  sh(root, 'init', '-q', '-b', 'main');
  sh(root, 'config', 'user.email', 't@example.com');
  sh(root, 'config', 'user.name', 'T');
  sh(root, 'add', '.');
  sh(root, 'commit', '-q', '-m', 'init');
  sh(root, 'remote', 'add', 'origin', `https://x-access-token:${TOKEN}@github.com/org/repo.git`);
  // Dirty, with a diff larger than the 500 KB cap.
  const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a large generated file for testing`);
  writeFileSync(join(app, 'big.txt'), `${lines.join('\n')}\n`);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('captureEnvironment in a real git repository and workspace', () => {
  const env = {
    NODE_ENV: 'test',
    TF_CPP_MIN_LOG_LEVEL: '2',
    MLMETA_TOKEN: ENV_CANARY,
    MLMETA_EXPERIMENT: 'exp',
    MY_URL: `https://user:${ENV_CANARY}@host/x`,
    MY_API_KEY: ENV_CANARY,
    NOT_LISTED: ENV_CANARY,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    KUBERNETES_SERVICE_HOST: '10.0.0.1',
  };
  let info: Awaited<ReturnType<typeof captureEnvironment>>;

  beforeAll(async () => {
    info = await captureEnvironment({
      git: true,
      packages: true,
      envAllowlist: [...DEFAULT_ENV_ALLOWLIST, 'MY_*'],
      argv: [process.execPath, script, '--epochs', '3', '--token', ARGV_CANARY, `--api-key=${ARGV_CANARY}`],
      env,
    });
  });

  it('records git commit, branch, dirty flag and the remote without its token', () => {
    expect(info.git?.commit).toBe(sh(root, 'rev-parse', 'HEAD'));
    expect(info.git?.branch).toBe('main');
    expect(info.git?.remote).toBe('https://github.com/org/repo.git');
    expect(info.git?.dirty).toBe(true);
  });

  it('caps the diff at 500 KB and digests the full diff', () => {
    const full = execFileSync('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], { cwd: root });
    expect(full.length).toBeGreaterThan(500 * 1024);
    expect(info.git?.diffTruncated).toBe(true);
    expect(info.git?.diffBytes).toBe(full.length);
    expect(info.git?.diffDigest).toBe(sha256(full));
    expect(Buffer.byteLength(info.git!.diff!)).toBeLessThanOrEqual(500 * 1024);
    expect(info.git?.diff).toContain('+line 0 of a large generated file');
  });

  it('resolves direct dependencies through workspace hoisting, and the frameworks', () => {
    expect(info.packages?.project).toEqual({ path: app, name: 'app', version: '0.3.0' });
    expect(info.packages?.dependencies).toEqual({
      '@scope/dev-tool': '0.0.9',
      'dep-hoisted': '1.4.2',
      'dep-local': '2.0.1',
      'dep-missing': null,
    });
    expect(info.packages?.frameworks).toEqual({ '@tensorflow/tfjs': '4.22.0', 'onnxruntime-node': '1.30.0' });
    expect(info.packages?.lockfile).toEqual({
      path: join(root, 'package-lock.json'),
      digest: sha256('{"lockfileVersion":3}\n'),
    });
  });

  it('records the entry script with its digest, and redacted argv', () => {
    expect(info.entry).toEqual({ path: script, digest: sha256('console.log("train");\n') });
    expect(info.argv).toEqual(['--epochs', '3', '--token', REDACTED, `--api-key=${REDACTED}`]);
  });

  it('records only allowlisted variables, redacted, and never MLMETA_TOKEN', () => {
    expect(info.env).toEqual({
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      MLMETA_EXPERIMENT: 'exp',
      MY_API_KEY: REDACTED,
      MY_URL: 'https://***@host/x',
      NODE_ENV: 'test',
      TF_CPP_MIN_LOG_LEVEL: '2',
    });
  });

  it('records host, runtime, container and CI hints', () => {
    expect(info.node).toBe(process.versions.node);
    expect(info.v8).toBe(process.versions.v8);
    expect(info.host.ci).toEqual(['github-actions', 'ci']);
    expect(info.host.container.kubernetes).toBe(true);
    expect(typeof info.host.hostname).toBe('string');
    expect(info.host.os.type.length).toBeGreaterThan(0);
  });

  it('contains no canary anywhere', () => {
    const text = JSON.stringify(info);
    for (const canary of [TOKEN, ARGV_CANARY, ENV_CANARY]) expect(text).not.toContain(canary);
  });
});

describe('captureEnvironment elsewhere', () => {
  it('untracked files alone leave the repository clean, and are counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-untracked-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'a\n');
      sh(dir, 'init', '-q', '-b', 'trunk');
      sh(dir, 'add', '.');
      sh(dir, '-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '-m', 'x');
      writeFileSync(join(dir, 'notes.txt'), 'not in git\n');
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'out', 'model.bin'), 'bytes');
      const capture = () =>
        captureEnvironment({ git: true, packages: false, envAllowlist: [], cwd: dir, env: {} });
      expect((await capture()).git).toMatchObject({ dirty: false, untracked: 2, diff: '', diffBytes: 0 });
      writeFileSync(join(dir, 'a.txt'), 'changed\n');
      const changed = (await capture()).git;
      expect(changed).toMatchObject({ dirty: true, untracked: 2 });
      expect(changed?.diff).toContain('+changed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a clean repository as not dirty with an empty diff', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-clean-'));
    try {
      writeFileSync(join(dir, 'a.txt'), 'a\n');
      sh(dir, 'init', '-q', '-b', 'trunk');
      sh(dir, 'add', '.');
      sh(dir, '-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '-m', 'x');
      const info = await captureEnvironment({
        git: true,
        packages: false,
        envAllowlist: [],
        cwd: dir,
        env: {},
      });
      expect(info.git).toMatchObject({
        branch: 'trunk',
        dirty: false,
        diff: '',
        diffTruncated: false,
        diffBytes: 0,
      });
      expect(info.git?.remote).toBeUndefined();
      expect(info.packages).toBeUndefined();
      expect(info.env).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves git out outside a repository and when disabled, without rejecting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlmeta-nogit-'));
    try {
      const outside = await captureEnvironment({
        git: true,
        packages: true,
        envAllowlist: [],
        cwd: dir,
        argv: [],
      });
      expect(outside.git).toBeUndefined();
      expect(outside.entry).toBeUndefined();
      expect(outside.packages?.dependencies).toEqual({});
      const disabled = await captureEnvironment({ git: false, packages: false, envAllowlist: [], cwd: root });
      expect(disabled.git).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
