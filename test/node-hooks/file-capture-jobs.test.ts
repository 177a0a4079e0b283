/**
 * The job files between a process under the preload hook and the detached child that records its
 * files: a job cut short is reported and set aside, not recorded and not waited for; a job whose
 * child was killed is seen at once by the next command, which records it again.
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
import { fileRecordsDir, openStore, waitForFileRecords } from '@mlmeta/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, root } from './helpers.js';

const RECORDER = join(root, 'packages/core/dist/file-recorder.js');
const CLI = join(root, 'packages/cli/dist/bin.js');
const REGISTER = join(root, 'packages/node-hooks/dist/register.js');

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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    const run = spawnSync(process.execPath, ['--import', REGISTER, 'read.mjs'], { cwd: dir, env: env() });
    expect(run.status).toBe(0);
    expect(readdirSync(records).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('a job whose recorder is gone is not waited for, and the caller is told', async () => {
    const spool = join(dir, '.mlmeta', 'spool');
    const gone = spawnSync(process.execPath, ['-e', '0']);
    const job = join(records, '4243-1.json');
    writeFileSync(job, '{}');
    writeFileSync(join(records, '4243-1.pid'), String(gone.pid));
    const dead: string[] = [];
    expect(await waitForFileRecords(spool, 60_000, { onDead: (path) => dead.push(path) })).toBe(0);
    expect(dead).toEqual([job]);
    rmSync(job);
    rmSync(join(records, '4243-1.pid'));
  });

  it('mlmeta sync --spool-dir restarts the dead recorders of that spool, not of the default one', () => {
    const other = join(dir, 'elsewhere');
    const otherRecords = join(other, 'file-records');
    mkdirSync(otherRecords, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '0']);
    const job = join(otherRecords, '4244-1.json');
    writeFileSync(job, '{"v":1,"argv":"not a job"}');
    writeFileSync(join(otherRecords, '4244-1.pid'), String(gone.pid));
    const sync = spawnSync(process.execPath, [CLI, 'sync', '--spool-dir', other], {
      cwd: dir,
      env: env(),
      encoding: 'utf8',
    });
    expect(sync.status, sync.stderr).toBe(0);
    expect(sync.stderr).toContain(`died before it finished (${job})`);
    rmSync(other, { recursive: true, force: true });
  });

  it('a recorder killed by a signal: the next command sees it dead, records the files again and answers with them', async () => {
    const storeFile = join(dir, '.mlmeta', 'mlmeta.db');
    await (await openStore(`sqlite:${storeFile}`)).close();
    writeFileSync(
      join(dir, 'killed.mjs'),
      "import { readFileSync } from 'node:fs';\nreadFileSync('raw.csv');\n",
    );
    // Holding the store's write lock keeps the recorder from finishing before it is killed.
    const lock = new Database(storeFile);
    lock.exec('BEGIN EXCLUSIVE');
    let job: string;
    try {
      // The run is filed under the experiment and tags of the process that used the files; the
      // CLI that restarts its recorder has none of them.
      const run = spawnSync(process.execPath, ['--import', REGISTER, 'killed.mjs'], {
        cwd: dir,
        env: { ...env(), MLMETA_EXPERIMENT: 'nightly-etl', MLMETA_TAGS: 'team=data' },
      });
      expect(run.status).toBe(0);
      const name = readdirSync(records).find((f) => f.startsWith(`${run.pid}-`) && f.endsWith('.json'));
      expect(name, 'the job of killed.mjs').toBeDefined();
      job = join(records, name!);
      const recorder = Number(readFileSync(job.replace(/\.json$/, '.pid'), 'utf8'));
      process.kill(recorder, 'SIGKILL');
      for (let i = 0; i < 200 && isAlive(recorder); i++) await new Promise((done) => setTimeout(done, 25));
      expect(isAlive(recorder)).toBe(false);
      expect(existsSync(job)).toBe(true);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    const cli = spawnSync(process.execPath, [CLI, 'runs', '--json'], {
      cwd: dir,
      env: env(),
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(
      `the recorder of an exited process's files died before it finished (${job})`,
    );
    expect(cli.stderr).not.toMatch(/still being recorded/);
    expect(cli.stdout).toContain('killed');
    expect(existsSync(job)).toBe(false);
    const store = await openStore(`sqlite:${storeFile}`);
    try {
      const runs = await store.getExecutions({
        type: 'mlmeta.Script',
        filter: "custom_properties.`mlmeta.run_name` = 'killed'",
      });
      expect(runs.items).toHaveLength(1);
      const associations = await store.getAssociations({ executionIds: [runs.items[0]!.id] });
      const contexts = await store.getContexts({ ids: associations.map((a) => a.contextId) });
      expect(contexts.items.map((c) => `${c.type}:${c.name}`)).toContain('mlmeta.Experiment:nightly-etl');
      expect(runs.items[0]!.customProperties['tag.team']).toBe('data');
      const events = await store.getEvents({ executionIds: [runs.items[0]!.id] });
      const [input] = (await store.getArtifacts({ ids: events.map((e) => e.artifactId) })).items;
      expect(input?.uri).toBe(join(dir, 'raw.csv'));
    } finally {
      await store.close();
    }
  });
});
