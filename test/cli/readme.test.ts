/**
 * The README's CLI section is true of the demo's data: run the demo (examples/tfjs-iris) in a
 * fresh directory, then every command of the README's demo block through the built bin, and
 * check that each prints the parts its comment names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/tfjs-iris/train.mjs', import.meta.url));
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The sh block that follows "After `npm run demo`": one command and its expected parts per line. */
function demoCommands(): Array<{ line: string; args: string[]; parts: string[] }> {
  const after = README.slice(README.indexOf('After `npm run demo`'));
  const block = after.slice(after.indexOf('```sh\n') + 6, after.indexOf('\n```', after.indexOf('```sh\n')));
  return block.split('\n').map((line) => {
    const [command, comment = ''] = line.split(/\s+# → /);
    return {
      line,
      args: shellWords(command!.trim()).slice(1),
      parts: [...comment.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    };
  });
}

/** Words of a command line: spaces separate, double quotes group, a backslash escapes. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') word += text[++i] ?? '';
    else if (c === '"') quoted = !quoted;
    else if (c === ' ' && !quoted) {
      if (word) words.push(word);
      word = '';
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}

let dir: string;
const env = () => {
  const base = { ...process.env };
  delete base.MLMETA_STORE;
  delete base.COLUMNS;
  return { ...base, MLMETA_SPOOL_DIR: join(dir, 'spool') };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-readme-'));
  const demo = spawnSync(process.execPath, [DEMO], {
    cwd: dir,
    env: env(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(demo.status, demo.stderr).toBe(0);
  expect(demo.stderr).toBe('');
  // The story ends with three commands to try, and they are the README's.
  const next = demo.stdout.trim().split('\n').slice(-3);
  expect(next).toEqual([
    '  npx mlmeta runs --experiment iris',
    '  npx mlmeta show train-bad',
    '  npx mlmeta diff train-good train-bad',
  ]);
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's CLI section on the demo's data", () => {
  const commands = demoCommands();
  it('has commands with expected output', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const c of commands) expect(c.parts.length, c.line).toBeGreaterThan(0);
  });
  for (const c of commands) {
    it(c.line.split('#')[0]!.trim(), () => {
      const result = spawnSync(process.execPath, [BIN, ...c.args], {
        cwd: dir,
        env: env(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, result.stderr).toBe(0);
      for (const part of c.parts) expect(result.stdout, part).toContain(part);
    });
  }
});
