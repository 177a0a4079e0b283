/**
 * Importing @mlmeta/core stays light: the heavy modules (store drivers, the HTTP client, the
 * hardware probe, the native hash) load only when their feature is used. Every CLI command and
 * every process under the preload hook imports core, so each of them would pay for these.
 * Runs the built dist/ (ESM and CommonJS) in fresh processes, since the test runner has long
 * loaded everything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = join(root, 'test/core/fixtures/loaded-packages.mjs');
const HEAVY = [
  'better-sqlite3',
  'pg',
  'pg-copy-streams',
  'ky',
  'systeminformation',
  'protobufjs',
  'xxhash-addon',
  '@secretlint/secretlint-rule-preset-recommend',
  // Its schemas are built at their first use (src/zod.ts): loading zod was half of core's import.
  'zod',
];

beforeAll(() => {
  for (const file of ['packages/core/dist/index.js', 'packages/core/dist/index.cjs']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
});

function loadedPackages(format: 'esm' | 'cjs', then?: 'fingerprint' | 'redact' | 'validate' | 'run') {
  const file = join(mkdtempSync(join(tmpdir(), 'mlmeta-core-import-')), 'resolved.txt');
  const result = spawnSync(process.execPath, [probe, format, file, ...(then ? [then] : [])], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    digest?: string;
    redacted?: string;
    parsed?: unknown;
    captured?: { frameworks?: Record<string, string>; cpu?: number };
    packages: string[];
  };
}

describe.each(['esm', 'cjs'] as const)('importing @mlmeta/core (%s build)', (format) => {
  it('loads none of the heavy modules', () => {
    const { packages } = loadedPackages(format);
    expect(packages.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it('loads the native hash at the first fingerprint, and it works', () => {
    const { digest, packages } = loadedPackages(format, 'fingerprint');
    expect(digest).toMatch(/^xxh3:[0-9a-f]{32}$/);
    expect(packages).toContain('xxhash-addon');
  });

  it('loads zod at the first validation, and it works', () => {
    const { parsed, packages } = loadedPackages(format, 'validate');
    expect(parsed).toEqual({ ok: false, problem: 'key' });
    expect(packages).toContain('zod');
  });

  it("loads secretlint's rules at the first text that could hold a token, and they work", () => {
    const { redacted, packages } = loadedPackages(format, 'redact');
    // A Figma token without upper case: only secretlint's rules know it (no entropy net fires).
    expect(redacted).toBe('figma [REDACTED] end');
    expect(packages).toContain('@secretlint/secretlint-rule-preset-recommend');
  });

  it("captures a run's environment and hardware on a thread of its own: systeminformation never loads on the main one", () => {
    const { captured, packages } = loadedPackages(format, 'run');
    expect(captured?.frameworks?.['@tensorflow/tfjs']).toMatch(/^\d+\.\d+\.\d+/);
    expect(captured?.cpu).toBeGreaterThan(0);
    expect(packages).not.toContain('systeminformation');
  });
});
