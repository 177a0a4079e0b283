/**
 * The built `mlmeta` bin, run as a real subprocess against a SQLite store seeded by real tracked
 * runs (fixtures/seed.mjs uses startRun from the built @mlmeta/core).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

let dir: string;
let store: string;
let work: string;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.MLMETA_STORE;
  delete base.COLUMNS;
  return { ...base, MLMETA_STORE: store, MLMETA_SPOOL_DIR: join(dir, 'spool'), ...extra };
}

function mlmeta(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: env(extra),
    cwd: dir,
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** mlmeta as a child that does not block this process (for servers the test itself runs). */
function mlmetaAsync(args: string[], extra: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(extra), cwd: dir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const json = (args: string[], extra?: Record<string, string>) => {
  const result = mlmeta([...args, '--json'], extra);
  expect(result.code, result.err).toBe(0);
  return JSON.parse(result.out);
};

function node(script: string, args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(FIXTURES, script), ...args], {
    encoding: 'utf8',
    env: env(extra),
    cwd: dir,
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
}

beforeAll(() => {
  expect(existsSync(BIN), 'build first: npm run build').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'mlmeta-cli-'));
  store = `sqlite:${join(dir, 'store.db')}`;
  work = join(dir, 'work');
  node('seed.mjs', [work]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('mlmeta runs / show / diff', () => {
  it('lists the seeded runs with state, params and final metrics', () => {
    const { code, out } = mlmeta(['runs']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+EXPERIMENT\s+STATE/);
    expect(lines[1]).toMatch(/train-bad\s+iris\s+FAILED/);
    expect(lines[2]).toMatch(/train-good\s+iris\s+COMPLETE/);
    expect(lines[2]).toContain('lr=0.1');
    expect(lines[2]).toContain('acc=0.9');
    // Only what differs between the listed runs: both ran 3 epochs.
    expect(out).not.toContain('epochs=');
    // One run listed: all of its params.
    expect(mlmeta(['runs', '--state', 'COMPLETE']).out).toMatch(/epochs=3 lr=0\.1/);
  });

  it('accepts the names it shows: in show, diff and filters, a second run of one name is name-2', () => {
    expect(
      json(['runs', '--filter', "name = 'train-good'"]).runs.map((r: { name: string }) => r.name),
    ).toEqual(['train-good']);
    node('seed.mjs', [join(dir, 'again')], { MLMETA_STORE: `sqlite:${join(dir, 'again.db')}` });
    node('seed.mjs', [join(dir, 'again')], { MLMETA_STORE: `sqlite:${join(dir, 'again.db')}` });
    const again = (args: string[]) => json(['--store', `sqlite:${join(dir, 'again.db')}`, ...args]);
    const names = again(['runs']).runs.map((r: { name: string }) => r.name);
    expect(names).toEqual(['train-bad-2', 'train-good-2', 'train-bad', 'train-good']);
    for (const name of names) {
      expect(again(['show', name]).run.name).toBe(name);
      expect(again(['runs', '--filter', `name = '${name}'`]).runs).toHaveLength(1);
    }
  });

  it('prints stable JSON and filters by state and experiment', () => {
    const { runs } = json(['runs']);
    expect(runs.map((r: { name: string }) => r.name)).toEqual(['train-bad', 'train-good']);
    expect(runs[1]).toMatchObject({ state: 'COMPLETE', experiment: 'iris', params: { lr: 0.1, epochs: 3 } });
    expect(runs[1].metrics).toEqual({ loss: 1 / 3, acc: 0.9 });
    expect(runs[0].metrics.loss).toEqual({ $float: 'NaN' });
    expect(json(['runs', '--state', 'failed']).runs.map((r: { name: string }) => r.name)).toEqual([
      'train-bad',
    ]);
    expect(json(['runs', '--experiment', 'nope']).runs).toEqual([]);
    expect(json(['runs', '--filter', 'custom_properties.`param.lr` < 0.05']).runs).toHaveLength(1);
  });

  it('fits the table to the terminal width', () => {
    const { out } = mlmeta(['runs'], { COLUMNS: '50' });
    for (const line of out.trim().split('\n')) expect(line.length).toBeLessThanOrEqual(50);
    // What does not fit is left out whole (params and metrics first), and the rest is not cut.
    expect(out.split('\n')[0]).not.toContain('PARAMS');
    expect(out).toContain('train-good');
  });

  it('shows one run by name, id or prefix, with metrics ranges and the failure', () => {
    const good = mlmeta(['show', 'train-good']);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/loss\s+0\.3333\s+0\.3333\s+1\s+3/);
    expect(good.out).toContain('train.csv');
    expect(good.out).toContain('model.onnx');
    const bad = json(['show', 'train-b']).run;
    expect(bad.name).toBe('train-bad');
    expect(bad.failure.message).toBe('loss became NaN at epoch 0');
    expect(bad.failure.stack).toContain('seed.mjs');
    expect(json(['show', `run:${bad.id}`]).run.externalId).toBe(bad.externalId);
    expect(json(['show', bad.externalId]).run.id).toBe(bad.id);
  });

  it('shows a failure first, once, with the user frames first and the feature that holds NaN', () => {
    const { out } = mlmeta(['show', 'train-bad']);
    const lines = out.split('\n');
    const failure = lines.indexOf('failure');
    expect(failure).toBeGreaterThan(0);
    expect(failure).toBeLessThan(lines.indexOf('params'));
    expect(out.split('loss became NaN at epoch 0')).toHaveLength(2);
    expect(lines[failure + 1]).toBe('  Error: loss became NaN at epoch 0');
    expect(lines[failure + 2]).toMatch(
      /^ {2}likely cause: input validation x, feature 1: 2 NaN \(dataset #\d+\)$/,
    );
    expect(lines[failure + 3]).toMatch(/^ {4}at .*seed\.mjs/);
    expect(lines.slice(failure + 4, lines.indexOf('', failure)).join('\n')).not.toContain('seed.mjs');
  });

  it('diffs two runs and marks what differs', () => {
    const { rows } = json(['diff', 'train-good', 'train-bad']);
    const row = (section: string, key: string) =>
      rows.find((r: { section: string; key: string }) => r.section === section && r.key === key);
    expect(row('params', 'lr')).toEqual({ section: 'params', key: 'lr', a: '0.1', b: '0.01', differs: true });
    expect(row('params', 'epochs').differs).toBe(false);
    expect(row('datasets', 'train').differs).toBe(false);
    expect(row('run', 'state')).toMatchObject({ a: 'COMPLETE', b: 'FAILED', differs: true });
    const text = mlmeta(['diff', 'train-good', 'train-bad']).out;
    expect(text).toMatch(/≠\s+params\s+lr\s+0\.1\s+0\.01/);
  });
});

describe('mlmeta show <artifact>', () => {
  it('shows a dataset by artifact:N: statistics with the NaN feature marked, and the run that read it', () => {
    const bad = json(['show', 'train-bad']).run;
    const validation = bad.inputs.find((i: { role: string }) => i.role === 'validation');
    const { code, out } = mlmeta(['show', `artifact:${validation.id}`]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`artifact #${validation.id}  mlmeta.Dataset  LIVE`);
    expect(out).toContain('  digest:   xxh3:5eed0000000000000000000000000bad');
    expect(out).toMatch(/\nstatistics\n {2}3 rows\n {2}x \[3,2\]\n/);
    expect(out).toMatch(/\n {4}1 +1 +2 +2 +2 +0 +2\n/);
    expect(out).toMatch(/\nproduced by\n {2}no recorded run\n/);
    expect(out).toMatch(/\nread by\n {2}run train-bad {2}#\d+ {2}mlmeta\.Run {2}FAILED {2}as validation/);
  });

  it('shows a file by its path and by its digest: type, digest, uri, producer, consumers, JSON', () => {
    const model = join(work, 'model.onnx');
    const byPath = json(['show', model]).artifact;
    expect(byPath).toMatchObject({ type: 'mlmeta.Model', uri: model, consumers: [] });
    expect(byPath.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(byPath.producers).toEqual([
      expect.objectContaining({ name: 'train-good', role: 'model', state: 'COMPLETE' }),
    ]);
    expect(json(['show', byPath.digest]).artifact.id).toBe(byPath.id);
    expect(json(['show', byPath.digest.slice(0, 20)]).artifact.id).toBe(byPath.id);
    const data = json(['show', join(work, 'train.csv')]).artifact;
    expect(data.consumers.map((r: { name: string }) => r.name).sort()).toEqual(['train-bad', 'train-good']);
    const text = mlmeta(['show', model]).out;
    expect(text).toMatch(/\nproduced by\n {2}run train-good {2}#\d+ {2}mlmeta\.Run {2}COMPLETE {2}as model/);
    expect(text).toContain(`  uri:      ${model}`);
  });

  it('lists the other contents recorded at the same path as versions, newest first', () => {
    const file = join(dir, 'versioned.bin');
    node('record-model.mjs', [file]);
    node('record-model.mjs', [file]);
    const latest = json(['show', file]).artifact;
    expect(latest.versions).toHaveLength(2);
    expect(latest.versions[0]).toMatchObject({ id: latest.id, current: true });
    const older = latest.versions[1];
    expect(older.current).toBe(false);
    expect(json(['show', `artifact:${older.id}`]).artifact.versions[1]).toMatchObject({
      id: older.id,
      current: true,
    });
    expect(mlmeta(['show', file]).out).toMatch(
      /\ncontents recorded at .*versioned\.bin\n {2}#\d+ {2}sha256:\w{12} {2}.* {2}\(this one\)\n {2}#\d+/,
    );
  });

  it('an unknown artifact or digest exits 1 and says so', () => {
    const missing = mlmeta(['show', 'artifact:9999']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no artifact artifact:9999/);
    const digest = mlmeta(['show', 'sha256:0123456789abcdef']);
    expect(digest.code).toBe(1);
    expect(digest.err).toMatch(/no artifact has digest sha256:0123456789abcdef/);
  });
});

describe('mlmeta trace / lineage', () => {
  it('traces a model file to its run, dataset, params and code', () => {
    const { code, out } = mlmeta(['trace', join(work, 'model.onnx')]);
    expect(code).toBe(0);
    expect(out).toMatch(/produced by run train-good/);
    expect(out).toContain('lr=0.1');
    expect(out).toMatch(/dataset train: mlmeta\.Dataset #\d+ sha256:/);
    expect(out).toMatch(/code: git [0-9a-f]{12}/);
  });

  it('calls untracked files alone clean, not uncommitted changes; a changed tracked file is dirty', () => {
    const repo = join(dir, 'repo');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    mkdirSync(repo);
    // The run's git state is its entry script's repository: the script lives in the new repo.
    const core = pathToFileURL(join(FIXTURES, '../../../packages/core/dist/index.js')).href;
    const script = (comment: string) =>
      `// ${comment}\nimport { createHash } from 'node:crypto';\nimport { readFileSync, writeFileSync } from 'node:fs';\nimport { startRun } from '${core}';\nconst file = process.argv[2];\nwriteFileSync(file, file);\nconst run = startRun({ name: 'in-repo' });\nrun.logOutput({ type: 'mlmeta.Model', uri: file, digest: 'sha256:' + createHash('sha256').update(readFileSync(file)).digest('hex') });\nawait run.end();\n`;
    writeFileSync(join(repo, 'train.mjs'), script('the code'));
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '-m', 'code');
    const record = (file: string) => {
      const result = spawnSync(process.execPath, [join(repo, 'train.mjs'), file], {
        cwd: repo,
        env: env({ MLMETA_CAPTURE_DISABLED: 'packages,hardware' }),
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
    };
    record(join(repo, 'untracked-only.bin'));
    const clean = mlmeta(['trace', join(repo, 'untracked-only.bin')]);
    expect(clean.out).toMatch(
      /code: git [0-9a-f]{12} \(main\), clean \(1 untracked file\(s\), not in the commit\)/,
    );
    expect(clean.out).not.toContain('uncommitted');
    writeFileSync(join(repo, 'train.mjs'), script('the code, changed'));
    record(join(repo, 'changed.bin'));
    expect(mlmeta(['trace', join(repo, 'changed.bin')]).out).toContain(
      '(main), dirty (uncommitted changes to tracked files)',
    );
  });

  it('says a file is unknown with exit 1', () => {
    const stranger = join(dir, 'stranger.bin');
    writeFileSync(stranger, 'never recorded');
    const { code, err } = mlmeta(['trace', stranger]);
    expect(code).toBe(1);
    expect(err).toMatch(/stranger\.bin is unknown to sqlite:.*no artifact has digest sha256:/);
  });

  it('prints the lineage of a file as a tree, both ways', () => {
    const up = mlmeta(['lineage', join(work, 'model.onnx'), '--upstream']);
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/└─ produced by mlmeta\.Run #\d+ {2}train-good/);
    expect(up.out).toMatch(/ {3}└─ input train: mlmeta\.Dataset/);
    const down = json(['lineage', join(work, 'train.csv'), '--downstream']);
    const runs = down.tree.downstream.map((n: { id: number }) => n.id).sort();
    expect(runs).toHaveLength(2);
    expect(down.tree.upstream).toBeUndefined();
  });
});

describe('bad input', () => {
  it('an unknown run exits 1 with the closest names', () => {
    const { code, err } = mlmeta(['show', 'trian-good']);
    expect(code).toBe(1);
    expect(err).toMatch(/no run named trian-good; closest: train-good/);
  });

  it('a bad flag or value exits 2 with a pointer to the help, not the whole help', () => {
    for (const [args, help] of [
      [['runs', '--bogus'], 'mlmeta runs'],
      [['runs', '--limit', 'ten'], 'mlmeta runs'],
      [['runs', '--state', 'DONE'], 'mlmeta runs'],
      [['nope'], 'mlmeta'],
    ] as const) {
      const { code, err } = mlmeta([...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(err.trim().split('\n').at(-1)).toBe(`(see ${help} --help)`);
      expect(err).not.toMatch(/Usage:|Options:/);
    }
  });

  it('a filter that does not parse exits 2 and points at the position in the text the user typed', () => {
    const { code, err } = mlmeta(['runs', '--experiment', 'iris', '--filter', 'state = = 3']);
    expect(code).toBe(2);
    expect(err).toContain(
      "expected a value after '=' but found '=' (at position 8)\n  state = = 3\n          ^\n",
    );
    const unclosed = mlmeta(['runs', '--filter', "name = 'x"]);
    expect(unclosed.err).toContain(
      'the string that starts at position 7 but found end of filter (at position 9)',
    );
    const watch = mlmeta(['watch', '--filter', 'nmae = 1']);
    expect(watch.code).toBe(2);
    expect(watch.err).toMatch(
      /^mlmeta: --filter: unknown field 'nmae'.*\(at position 0\)\n {2}nmae = 1\n {2}\^\n/,
    );
  });

  it('a store that cannot be opened exits 1 with the reason', () => {
    const unsupported = mlmeta(['--store', 'mysql://db/x', 'runs']);
    expect(unsupported.code).toBe(1);
    expect(unsupported.err).toMatch(/cannot open store mysql:\/\/db\/x: .*not supported/);
    const missing = mlmeta(['runs'], { MLMETA_STORE: `sqlite:${join(dir, 'no', 'such', 'dir', 'x.db')}` });
    expect(missing.code).toBe(1);
    // A store that does not exist yet: say so, where the URI came from, and what to do.
    expect(missing.err).toMatch(
      /no store at sqlite:.*x\.db \(MLMETA_STORE\): nothing has been recorded there yet/,
    );
    expect(missing.err).toMatch(/--store or MLMETA_STORE/);
  });
});

describe('mlmeta export / import', () => {
  it('moves a lineage subgraph to a fresh store; importing twice changes nothing', () => {
    const file = join(dir, 'export.json');
    const exported = mlmeta(['export', '--format', 'json', '--from', join(work, 'model.onnx'), '-o', file]);
    expect(exported.code, exported.err).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ format: 'mlmeta.export', version: 1 });
    const target = `sqlite:${join(dir, 'imported.db')}`;
    const first = mlmeta(['--store', target, 'import', file]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(
      /^imported 2 new artifact\(s\), 1 new execution\(s\), \d+ new context\(s\) into sqlite:/,
    );

    const lineageOf = (s: string) => {
      const g = json(['--store', s, 'lineage', join(work, 'model.onnx')]);
      return {
        artifacts: g.artifacts
          .map((a: { externalId: string; state: string }) => [a.externalId, a.state])
          .sort(),
        executions: g.executions
          .map((e: { externalId: string; lastKnownState: string }) => [e.externalId, e.lastKnownState])
          .sort(),
        events: g.events.length,
      };
    };
    expect(lineageOf(target)).toEqual(lineageOf(store));
    expect(json(['--store', target, 'show', 'train-good']).run.metrics).toEqual({ loss: 1 / 3, acc: 0.9 });

    const snapshot = (s: string) => JSON.stringify(json(['--store', s, 'export']));
    const before = JSON.parse(snapshot(target));
    const again = mlmeta(['--store', target, 'import', file]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /^nothing new: the 2 artifact\(s\), 1 execution\(s\), \d+ context\(s\) in .*export\.json were all in sqlite:.*imported\.db already\n$/,
    );
    expect(json(['--store', target, 'import', file]).new).toEqual({
      artifacts: 0,
      executions: 0,
      contexts: 0,
    });
    const after = JSON.parse(snapshot(target));
    delete before.exportedAt;
    delete after.exportedAt;
    expect(after).toEqual(before);
  });

  it('refuses a file that is not an export, with exit 2', () => {
    const file = join(dir, 'not-export.json');
    writeFileSync(file, '{"format":"something"}');
    const { code, err } = mlmeta(['import', file]);
    expect(code).toBe(2);
    expect(err).toMatch(/not an mlmeta\.export version 1 document/);
  });
});

describe('mlmeta watch', () => {
  let watcher: ChildProcess | undefined;
  afterAll(() => watcher?.kill('SIGKILL'));

  it('runs --exec (no shell) for a model recorded by another process', async () => {
    const log = join(dir, 'exec-log.jsonl');
    watcher = spawn(
      process.execPath,
      [
        BIN,
        'watch',
        '--type',
        'mlmeta.Model',
        '--interval',
        '200',
        '--max',
        '1',
        '--exec',
        `node ${join(FIXTURES, 'append-args.mjs')} ${log} {uri} "{name}" {externalId} '$(touch pwned)'`,
      ],
      { env: env(), cwd: dir },
    );
    let out = '';
    let err = '';
    watcher.stdout!.on('data', (c) => {
      out += c;
    });
    watcher.stderr!.on('data', (c) => {
      err += c;
    });
    const exited = new Promise<number | null>((resolve) => watcher!.on('exit', (code) => resolve(code)));
    while (!err.includes('watching')) await new Promise((r) => setTimeout(r, 50));
    const modelFile = join(dir, 'late model.bin');
    node('record-model.mjs', [modelFile]);
    expect(await exited).toBe(0);
    const [args] = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(args[0]).toBe(modelFile);
    expect(args[2]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(args[3]).toBe('$(touch pwned)');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(out).toMatch(/new mlmeta\.Model #\d+/);
    // Nodes that existed before the watch started are not reported.
    expect(out).not.toContain('model.onnx');
  });

  it('skips --exec with {uri} for a model that has no uri (in memory), and says so', async () => {
    const log = join(dir, 'exec-log-memory.jsonl');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'watch',
        '--type',
        'mlmeta.Model',
        '--interval',
        '200',
        '--max',
        '2',
        '--exec',
        `node ${join(FIXTURES, 'append-args.mjs')} ${log} {uri}`,
      ],
      { env: env(), cwd: dir },
    );
    watcher = child;
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!err.includes('watching')) await new Promise((r) => setTimeout(r, 50));
    node('record-model.mjs', ['-']);
    const saved = join(dir, 'saved model.bin');
    node('record-model.mjs', [saved]);
    expect(await exited).toBe(0);
    expect(err).toMatch(
      /--exec skipped for #\d+: it has no uri \(an in-memory model\?\), and the command uses \{uri\}/,
    );
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls).toEqual([[saved]]);
  });
});

describe('mlmeta gc / sync', () => {
  it('marks artifacts whose files are gone as DELETED (dry run first)', () => {
    const model = join(work, 'model.onnx');
    const copy = readFileSync(model);
    unlinkSync(model);
    try {
      const dry = json(['gc', '--dry-run']);
      expect(dry.missing.map((m: { uri: string }) => m.uri)).toEqual([model]);
      expect(json(['show', 'train-good']).run.outputs[0].state).toBe('LIVE');
      const real = mlmeta(['gc']);
      expect(real.out).toContain(`${model} is gone`);
      expect(json(['show', 'train-good']).run.outputs[0].state).toBe('DELETED');
      expect(json(['gc']).missing).toEqual([]);
    } finally {
      writeFileSync(model, copy);
    }
  });

  it('sync with nothing spooled says so, without a store; a --spool-dir that does not exist is a usage error', () => {
    const empty = mlmeta(['sync'], { MLMETA_STORE: 'http://127.0.0.1:1' });
    expect(empty).toEqual({
      code: 0,
      out: `nothing to replay: no spool files in ${join(dir, 'spool')}\n`,
      err: '',
    });
    const typo = mlmeta(['sync', '--spool-dir', join(dir, 'spoool')]);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain(`--spool-dir ${join(dir, 'spoool')} is not a directory`);
    expect(typo.out).toBe('');
  });

  it('reads against an http store with nothing listening fail at once with what to do', async () => {
    // A port nothing listens on (closed again right away): every connection is refused.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const store = `http://127.0.0.1:${closed}`;
    for (const args of [
      ['runs'],
      ['runs', '--json'],
      ['show', 'train-good'],
      ['lineage', 'train-good'],
      ['models'],
    ]) {
      const result = mlmeta(args, { MLMETA_STORE: store });
      expect({ args, ...result }).toEqual({
        args,
        code: 1,
        out: '',
        err: `mlmeta: cannot reach the mlmeta server ${store}: connection refused (nothing listens there); start it (mlmeta server) or pass --store\n`,
      });
    }
  });

  it('sync to a server that does not answer fails at once, says why and keeps the spool', async () => {
    const spool = join(dir, 'unsent');
    // A store that cannot be opened at all: the runs go to the spool at once.
    node('seed.mjs', [join(dir, 'unsent-work')], {
      MLMETA_STORE: `sqlite:${join(dir, 'store.db', 'not-a-dir', 'x.db')}`,
      MLMETA_SPOOL_DIR: spool,
    });
    const files = readdirSync(spool).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    // A port nothing listens on: the connection is refused at once.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const refused = mlmeta(['sync', '--spool-dir', spool], { MLMETA_STORE: `http://127.0.0.1:${closed}` });
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `mlmeta: cannot reach the mlmeta server http://127.0.0.1:${closed}: connection refused (nothing listens there); start it (mlmeta server) or pass --store; nothing was replayed, the ${files.length} spool file(s) in ${spool} are kept\n`,
    );
    // A server that accepts the connection and never answers: given up after the probe's timeout.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const hung = mlmeta(['sync', '--spool-dir', spool], { MLMETA_STORE: `http://127.0.0.1:${port}` });
      expect(hung.code).toBe(1);
      expect(hung.err).toContain(
        `cannot reach the mlmeta server http://127.0.0.1:${port}: no answer within 3 s`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    expect(readdirSync(spool).filter((f) => f.endsWith('.jsonl'))).toEqual(files);
  });

  it('a server that answers the probe, then drops every call: gives up in seconds and says what to check', async () => {
    // Without a short retry budget the command would retry for the HTTP store's 30 s (past this test's timeout).
    const server = createHttpServer((request, response) => {
      if (request.url?.endsWith('/api/v1/types')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"types":[]}');
        return;
      }
      request.socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await mlmetaAsync(['runs'], { MLMETA_STORE: `http://127.0.0.1:${port}` });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/unavailable: .*gave up after \d+ attempts/);
      expect(result.err).toContain('the store stopped answering; check that it is up');
    } finally {
      server.close();
    }
  }, 15_000);
});
