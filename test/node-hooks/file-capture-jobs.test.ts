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
      // Claimed by the child it started, or by the serving recorder an earlier test left.
      const claim = job.replace(/\.json$/, '.pid');
      for (let i = 0; i < 200 && !existsSync(claim); i++) await new Promise((done) => setTimeout(done, 25));
      const recorder = Number(readFileSync(claim, 'utf8'));
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

  describe('the serving recorder', () => {
    let served: string;
    let servedRecords: string;
    const servedEnv = (store = 'mlmeta.db') => ({
      ...env(),
      MLMETA_STORE: `sqlite:${join(served, '.mlmeta', store)}`,
    });
    const run = (script: string, extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', REGISTER, script], {
        cwd: served,
        env: { ...servedEnv(), ...extra },
        encoding: 'utf8',
      });
    const scripts = async (store: string) => {
      const opened = await openStore(`sqlite:${join(served, '.mlmeta', store)}`);
      try {
        const runs = await opened.getExecutions({ type: 'mlmeta.Script' });
        return runs.items.map((r) => String(r.customProperties['mlmeta.run_name']));
      } finally {
        await opened.close();
      }
    };

    beforeAll(() => {
      served = mkdtempSync(join(tmpdir(), 'mlmeta-served-'));
      servedRecords = fileRecordsDir(join(served, '.mlmeta', 'spool'));
      writeFileSync(join(served, 'raw.csv'), 'a,b\n1,2\n');
      for (const step of ['first', 'second', 'other'])
        writeFileSync(
          join(served, `${step}.mjs`),
          `import { readFileSync, writeFileSync } from 'node:fs';\nwriteFileSync('${step}.csv', readFileSync('raw.csv'));\n`,
        );
    });
    // Its recorder stops when the folder is gone.
    afterAll(() => rmSync(served, { recursive: true, force: true }));

    it('takes the job of a later process with the same environment, which starts no child of its own', async () => {
      expect(run('first.mjs').status).toBe(0);
      expect(await waitForFileRecords(join(served, '.mlmeta', 'spool'), 60_000)).toBe(0);
      const [pid] = readFileSync(join(servedRecords, 'recorder.pid'), 'utf8').split(' ');
      const recorder = Number(pid);
      expect(isAlive(recorder)).toBe(true);
      // The store locked, so the job stays claimed long enough to see who claimed it.
      const lock = new Database(join(served, '.mlmeta', 'mlmeta.db'));
      lock.exec('BEGIN EXCLUSIVE');
      try {
        const second = run('second.mjs', { MLMETA_EXPERIMENT: 'nightly' });
        expect(second.status, second.stderr).toBe(0);
        const job = join(
          servedRecords,
          readdirSync(servedRecords).find((f) => f.startsWith(`${second.pid}-`))!,
        );
        const claim = job.replace(/\.json$/, '.pid');
        for (let i = 0; i < 200 && !existsSync(claim); i++) await new Promise((done) => setTimeout(done, 25));
        expect(Number(readFileSync(claim, 'utf8'))).toBe(recorder);
      } finally {
        lock.exec('ROLLBACK');
        lock.close();
      }
      expect(await waitForFileRecords(join(served, '.mlmeta', 'spool'), 60_000)).toBe(0);
      expect((await scripts('mlmeta.db')).sort()).toEqual(['first', 'second']);
      const opened = await openStore(`sqlite:${join(served, '.mlmeta', 'mlmeta.db')}`);
      try {
        // Filed as the second process asked (its experiment travels in the job), not as the first.
        const experiments = await opened.getContexts({ type: 'mlmeta.Experiment' });
        expect(experiments.items.map((c) => c.name).sort()).toEqual(['first', 'nightly']);
      } finally {
        await opened.close();
      }
    });

    it('leaves the job of a process with another environment (another store) to a child of its own', async () => {
      const [pid] = readFileSync(join(servedRecords, 'recorder.pid'), 'utf8').split(' ');
      expect(isAlive(Number(pid))).toBe(true);
      const other = run('other.mjs', { MLMETA_STORE: `sqlite:${join(served, '.mlmeta', 'other.db')}` });
      expect(other.status, other.stderr).toBe(0);
      expect(await waitForFileRecords(join(served, '.mlmeta', 'spool'), 60_000)).toBe(0);
      expect(await scripts('other.db')).toEqual(['other']);
      expect((await scripts('mlmeta.db')).sort()).toEqual(['first', 'second']);
      // The first recorder still serves; the other child found it there and went.
      expect(readFileSync(join(servedRecords, 'recorder.pid'), 'utf8').split(' ')[0]).toBe(pid);
    });

    it('stops when its folder is removed (it spun on the spool it could no longer make)', async () => {
      const recorder = Number(readFileSync(join(servedRecords, 'recorder.pid'), 'utf8').split(' ')[0]);
      expect(isAlive(recorder)).toBe(true);
      rmSync(served, { recursive: true, force: true });
      for (let i = 0; i < 200 && isAlive(recorder); i++) await new Promise((done) => setTimeout(done, 25));
      expect(isAlive(recorder)).toBe(false);
    });
  });
});
