/**
 * The job files between a process under the preload hook and the detached child that records its
 * files: a job cut short is reported and set aside, not recorded and not waited for.
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
import { fileRecordsDir, waitForFileRecords } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, root } from './helpers.js';

const RECORDER = join(root, 'packages/core/dist/file-recorder.js');

let dir: string;
let records: string;

/** The test runner's environment without its NODE_OPTIONS and MLMETA_*, with this store. */
function env(): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  ) as Record<string, string>;
  return {
    ...base,
    MLMETA_STORE: `sqlite:${join(dir, '.mlmeta', 'mlmeta.db')}`,
    MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
  };
}

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-jobs-'));
  records = fileRecordsDir(join(dir, '.mlmeta', 'spool'));
  mkdirSync(records, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file record jobs', () => {
  it.each([
    [
      'cut short by a kill',
      '{"v":1,"argv":["node","/x/prepare.mjs"],"pid":4242,"processSta',
      /not a complete job file/,
    ],
    ['not a job', '{"v":1,"argv":"prepare.mjs"}', /not a valid job file: argv/],
  ])(
    'a job %s is reported on the recorder stderr (its log) and kept aside as .invalid; nothing waits for it',
    async (_, text, message) => {
      const job = join(records, '4242-1.json');
      writeFileSync(job, text);
      const child = spawnSync(process.execPath, [RECORDER, job], {
        cwd: dir,
        env: env(),
        encoding: 'utf8',
      });
      expect(child.status, child.stderr).toBe(0);
      expect(existsSync(job)).toBe(false);
      expect(readFileSync(join(records, '4242-1.invalid'), 'utf8')).toBe(text);
      expect(child.stderr).toMatch(message);
      expect(await waitForFileRecords(join(dir, '.mlmeta', 'spool'), 0)).toBe(0);
      rmSync(join(records, '4242-1.invalid'));
    },
  );

  it('a process under the hook leaves no partial job behind', () => {
    writeFileSync(join(dir, 'raw.csv'), 'a,b\n1,2\n');
    writeFileSync(
      join(dir, 'read.mjs'),
      "import { readFileSync } from 'node:fs';\nreadFileSync('raw.csv');\n",
    );
    const register = join(root, 'packages/node-hooks/dist/register.js');
    const run = spawnSync(process.execPath, ['--import', register, 'read.mjs'], { cwd: dir, env: env() });
    expect(run.status).toBe(0);
    expect(readdirSync(records).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});
