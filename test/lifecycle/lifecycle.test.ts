import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Execution, MetadataStore } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real child processes running the built dist (this also checks the build works end to end).
const root = fileURLToPath(new URL('../..', import.meta.url));
const coreDist = join(root, 'packages/core/dist/index.js');
type Core = typeof import('@mlmeta/core');
let core: Core;
let work: string;

const CANARY = {
  param: 'canaryParamZq7Xw3Rt9Lk2',
  env: 'canaryEnvPk4Mn8Bv1Cx6',
  git: 'ghp_canaryGit0123456789abcdefghijklmnopq',
  argv: 'canaryArgvHj5Gf2Ds8Qw1',
};

beforeAll(async () => {
  core = (await import(pathToFileURL(coreDist).href)) as Core;
  work = mkdtempSync(join(tmpdir(), 'mlmeta-lifecycle-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Started {
  child: ReturnType<typeof spawn>;
  done: Promise<Child>;
  line(prefix: string): Promise<string>;
}

function start(
  dir: string,
  mode: string,
  env: Record<string, string> = {},
  script = join(dir, 'run.mjs'),
): Started {
  if (!existsSync(script))
    copyFileSync(fileURLToPath(new URL('./fixtures/run.mjs', import.meta.url)), script);
  const child = spawn(process.execPath, [script, mode, '--token', CANARY.argv], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MLMETA_CORE_URL: pathToFileURL(coreDist).href,
      MLMETA_STORE: `sqlite:${join(dir, 'store', 'mlmeta.db')}`,
      MLMETA_SPOOL_DIR: join(dir, 'spool'),
      MLMETA_CAPTURE_DISABLED: 'hardware',
      MLMETA_LOG_LEVEL: 'info',
      CANARY_PARAM: CANARY.param,
      AWS_SECRET_ACCESS_KEY: CANARY.env,
      MY_SERVICE_URL: `https://svc:${CANARY.env}@svc.internal/`,
      MLMETA_ENV_ALLOWLIST: 'MY_SERVICE_URL,AWS_SECRET_ACCESS_KEY',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<Child>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = stdout.split('\n').find((l) => l.startsWith(prefix));
        if (found !== undefined) resolve(found.slice(prefix.length).trim());
        else if (child.exitCode !== null || child.signalCode !== null)
          reject(new Error(`child ended: ${stderr}`));
        else waiters.push(check);
      };
      check();
      child.once('close', check);
    });
  return { child, done, line };
}

/** mlmeta's warning lines in a child's stderr. */
const warnLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('[mlmeta] warn:'));

function freshDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function withStore<T>(dir: string, fn: (store: MetadataStore) => Promise<T>): Promise<T> {
  const store = await core.openStore(`sqlite:${join(dir, 'store', 'mlmeta.db')}`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function execution(dir: string, id: string): Promise<Execution> {
  const found = await withStore(dir, (store) => store.getExecution({ externalId: id }));
  expect(found, `execution ${id}`).toBeDefined();
  return found!;
}

describe('a run that ends normally', () => {
  it('is COMPLETE with params, metrics, input and output; no canary secret reaches the database or the log', async () => {
    // The script lives in a git repository whose remote URL carries a token.
    const dir = freshDir('complete');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('remote', 'add', 'origin', `https://x-access-token:${CANARY.git}@github.com/acme/train.git`);
    const { done, line } = start(dir, 'complete');
    const id = await line('run ');
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('done');

    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('COMPLETE');
    expect(run.customProperties['param.lr']).toBe(0.01);
    expect(run.customProperties['param.apiKey']).toBe('[REDACTED]');
    const env = run.customProperties.environment as Record<string, any>;
    expect(env.git?.remote).toContain('github.com/acme/train.git');
    await withStore(dir, async (store) => {
      expect((await store.getMetrics({ execution: { externalId: id }, key: 'loss' })).total).toBe(50);
      const events = await store.getEvents({ executionIds: [run.id] });
      expect(events.map((e) => e.type).sort()).toEqual(['INPUT', 'OUTPUT']);
    });

    const files = readdirSync(join(dir, 'store')).map((f) => join(dir, 'store', f));
    expect(files.some((f) => f.endsWith('.db'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of Object.values(CANARY))
        expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    for (const secret of Object.values(CANARY)) expect(result.stderr).not.toContain(secret);
  });
});

describe('a run whose process fails', () => {
  it('thrown error → FAILED with the stack', async () => {
    const dir = freshDir('throw');
    const { done, line } = start(dir, 'throw');
    const id = await line('run ');
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('fixture failure');
    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('FAILED');
    const error = run.customProperties['mlmeta.error'] as Record<string, string>;
    expect(error.message).toBe('fixture failure');
    expect(error.stack).toContain('run.mjs');
  });

  it('process.exit(3) → FAILED with exit code 3, metrics logged just before exit kept', async () => {
    const dir = freshDir('exit3');
    const { done, line } = start(dir, 'exit3');
    const id = await line('run ');
    const result = await done;
    expect(result.code).toBe(3);
    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('FAILED');
    expect(run.customProperties['mlmeta.exit_code']).toBe(3);
    const points = await withStore(dir, (store) =>
      store.getMetrics({ execution: { externalId: id }, key: 'loss' }),
    );
    expect(points.total).toBe(60);
  });

  it('process.exit() right after logInput/logOutput of local files: the files are linked to the run, by content', async () => {
    const dir = freshDir('exit-files');
    const lineageFile = join(dir, 'lineage.jsonl');
    const { done, line } = start(dir, 'exit-files', {
      OPENLINEAGE__TRANSPORT__TYPE: 'file',
      OPENLINEAGE__TRANSPORT__LOG_FILE_PATH: lineageFile,
    });
    const id = await line('run ');
    expect((await done).code).toBe(0);
    // The digests finish in the detached file recorder, after the process has gone.
    expect(await core.waitForFileRecords(join(dir, 'spool'), 60_000)).toBe(0);
    const linked = await withStore(dir, async (store) => {
      const run = (await store.getExecution({ externalId: id }))!;
      const events = await store.getEvents({ executionIds: [run.id] });
      return Promise.all(
        events.map(async (event) => ({
          type: event.type,
          artifact: (await store.getArtifact({ id: event.artifactId }))!,
        })),
      );
    });
    const byType = Object.fromEntries(linked.map(({ type, artifact }) => [type, artifact]));
    expect(byType.INPUT?.externalId).toBe(await core.sha256File(join(dir, 'raw.csv')));
    expect(byType.OUTPUT?.externalId).toBe(await core.sha256File(join(dir, 'model.onnx')));
    expect(byType.OUTPUT?.type).toBe('mlmeta.Model');
    expect(byType.OUTPUT?.name).toMatch(/^model@/);
    // The run's OpenLineage events get the files too: the recorder sends them as an OTHER event.
    const events = readFileSync(lineageFile, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            eventType: string;
            run: { runId: string };
            inputs: Array<{ name: string }>;
            outputs: Array<{ name: string }>;
          },
      )
      .filter((e) => e.run.runId === id);
    const other = events.find((e) => e.eventType === 'OTHER');
    expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(['START', 'COMPLETE', 'OTHER']));
    expect(other?.inputs.map((d) => d.name)).toEqual([join(dir, 'raw.csv')]);
    expect(other?.outputs.map((d) => d.name)).toEqual([join(dir, 'model.onnx')]);
  });
});

describe('signals', () => {
  it('SIGTERM → CANCELED with the signal, and the process still dies by SIGTERM', async () => {
    const dir = freshDir('sigterm');
    const { child, done, line } = start(dir, 'wait');
    const id = await line('run ');
    await line('ready');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.signal).toBe('SIGTERM');
    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('CANCELED');
    expect(run.customProperties['mlmeta.signal']).toBe('SIGTERM');
  });

  it('SIGTERM while the store never answers → spooled within the 2 s bound, one warning, CANCELED with every record after replay', async () => {
    // An HTTP "store" that accepts connections and never answers: the flush cannot finish.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const dir = freshDir('sigterm-silent-store');
      const { child, done, line } = start(dir, 'early-signal', {
        MLMETA_STORE: `http://127.0.0.1:${port}`,
        MLMETA_LOG_LEVEL: 'warn',
      });
      const id = await line('run ');
      await line('ready');
      child.kill('SIGTERM');
      const result = await done;
      expect(result.signal).toBe('SIGTERM');
      const warnings = warnLines(result.stderr);
      expect(warnings, result.stderr).toHaveLength(1);
      expect(warnings[0]).toContain(join(dir, 'spool'));
      expect(warnings[0]).toContain('mlmeta sync');

      const replayed = await withStore(dir, (store) => core.replaySpool(store, join(dir, 'spool')));
      expect(replayed.files).toBe(1);
      const run = await execution(dir, id);
      expect(run.lastKnownState).toBe('CANCELED');
      expect(run.customProperties['mlmeta.signal']).toBe('SIGTERM');
      expect(run.customProperties['param.lr']).toBe(0.01);
      await withStore(dir, async (store) => {
        expect((await store.getMetrics({ execution: { externalId: id }, key: 'loss' })).total).toBe(50);
        const process = (await store.getContexts({ type: 'mlmeta.Process' })).items;
        expect(process).toHaveLength(1);
        expect(process[0]!.customProperties.signal).toBe('SIGTERM');
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('SIGKILL → the run is recognised as LOST once its heartbeat is 3 intervals old', async () => {
    const dir = freshDir('sigkill');
    // Heartbeats reach the store with the writer's batches (sealed every second): an interval
    // shorter than that would make a live run look LOST between two batches.
    const { child, done, line } = start(dir, 'wait', { MLMETA_HEARTBEAT_INTERVAL: '1' });
    const id = await line('run ');
    await line('ready');
    expect(core.runStatus(await execution(dir, id))).toBe('RUNNING');
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('RUNNING');
    expect(core.runStatus(run)).toBe('LOST');
  });
});

describe('a store that cannot be written at all', () => {
  // A regular file where the store's directory must be: opening fails (ENOTDIR), even as root.
  it.each([
    ['the writer tried the store during the run', 'complete', 'COMPLETE'],
    ['the process exits before the writer tried it', 'exit-now', 'FAILED'],
  ])(
    '%s → exactly one warning, naming the spool and `mlmeta sync`; the records replay',
    async (_, mode, state) => {
      const dir = freshDir(`unwritable-${mode}`);
      writeFileSync(join(dir, 'store'), 'not a directory');
      const { done, line } = start(dir, mode, { MLMETA_LOG_LEVEL: 'warn' });
      const id = await line('run ');
      const result = await done;
      const warnings = warnLines(result.stderr);
      expect(warnings, result.stderr).toHaveLength(1);
      expect(warnings[0]).toContain(join(dir, 'spool'));
      expect(warnings[0]).toContain('mlmeta sync');

      rmSync(join(dir, 'store'));
      mkdirSync(join(dir, 'store'));
      await withStore(dir, (store) => core.replaySpool(store, join(dir, 'spool')));
      const run = await execution(dir, id);
      expect(run.lastKnownState).toBe(state);
      const points = await withStore(dir, (store) =>
        store.getMetrics({ execution: { externalId: id }, key: 'loss' }),
      );
      expect(points.total).toBe(50);
    },
  );
});

describe('a store that goes away and comes back', () => {
  it('spools while the store cannot be opened and replays in order: every record exactly once', async () => {
    const dir = freshDir('outage');
    // A regular file where the store's directory must be: opening fails (ENOTDIR), even as root.
    writeFileSync(join(dir, 'store'), 'not a directory');
    const { child, done, line } = start(dir, 'outage');
    const id = await line('run ');
    await line('spooled');
    const spooled = readdirSync(join(dir, 'spool'));
    expect(spooled).toHaveLength(1);
    rmSync(join(dir, 'store'));
    child.stdin!.write('go\n');
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('spool');
    const run = await execution(dir, id);
    expect(run.lastKnownState).toBe('COMPLETE');
    await withStore(dir, async (store) => {
      const loss = await store.getMetrics({ execution: { externalId: id }, key: 'loss' });
      expect(loss.total).toBe(100);
      expect(loss.points.map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect((await store.getExecutions({ externalIds: [id] })).items).toHaveLength(1);
      expect((await store.getContexts({ type: 'mlmeta.Experiment' })).items).toHaveLength(1);
    });
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });
});
