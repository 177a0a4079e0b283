import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestOpenLineageEvent } from '../../src/openlineage/ingest.js';
import { openStore } from '../../src/store/open.js';
import type { MetadataStore } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'mlmeta-ol-ingest-'));
let store: MetadataStore;

const event = (eventType: string, runId: string, extra: Record<string, unknown> = {}) => ({
  eventType,
  eventTime: new Date().toISOString(),
  producer: 'https://github.com/apache/airflow',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  run: { runId },
  job: { namespace: 'airflow', name: 'etl.load' },
  ...extra,
});

beforeAll(async () => {
  store = await openStore(`sqlite:${join(dir, 'fresh.db')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingestOpenLineageEvent', () => {
  it('maps a job to a context and a run to an execution whose state follows the events, a late RUNNING included', async () => {
    const runId = '0b5e8f3a-6c1d-4e2f-9a7b-1c2d3e4f5a6b';
    await ingestOpenLineageEvent(
      store,
      event('START', runId, { outputs: [{ namespace: 's3://lake', name: 'raw/a.parquet' }] }),
    );
    expect(await store.getExecution({ externalId: runId })).toMatchObject({
      type: 'openlineage.Run',
      lastKnownState: 'RUNNING',
    });
    await ingestOpenLineageEvent(
      store,
      event('FAIL', runId, {
        run: {
          runId,
          facets: {
            errorMessage: {
              _producer: 'p',
              _schemaURL: 's',
              message: 'boom',
              programmingLanguage: 'python',
              stackTrace: 'tb',
            },
            parent: {
              _producer: 'p',
              _schemaURL: 's',
              run: { runId },
              job: { namespace: 'airflow', name: 'etl' },
            },
          },
        },
      }),
    );
    await ingestOpenLineageEvent(store, event('RUNNING', runId));
    const execution = await store.getExecution({ externalId: runId });
    expect(execution).toMatchObject({ lastKnownState: 'FAILED' });
    expect(execution!.customProperties['mlmeta.error']).toEqual({ message: 'boom', stack: 'tb' });
    const jobs = (await store.getContexts({ type: 'openlineage.Job' })).items.map((c) => c.name).sort();
    expect(jobs).toEqual(['airflow/etl', 'airflow/etl.load']);
    const [dataset] = (await store.getArtifacts({ type: 'openlineage.Dataset' })).items;
    expect(dataset).toMatchObject({
      uri: 's3://lake/raw/a.parquet',
      externalId: 'openlineage:s3://lake/raw/a.parquet',
    });
  });

  it('takes a dataset as the artifact mlmeta recorded at its URI, or by content when asked to', async () => {
    const file = join(dir, 'data.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const digest = `sha256:${createHash('sha256').update('a,b\n1,2\n').digest('hex')}`;
    const runId = '1c6f9a4b-7d2e-4f30-8b8c-2d3e4f5a6b7c';
    const byContent = await ingestOpenLineageEvent(
      store,
      event('COMPLETE', runId, { outputs: [{ namespace: 'file', name: file }] }),
      { digestLocalFiles: true },
    );
    expect(byContent.outputs).toEqual([{ externalId: digest }]);
    expect(await store.getArtifact({ externalId: digest })).toMatchObject({
      type: 'mlmeta.Dataset',
      uri: file,
    });
    // Without digests, the newest artifact at that path is the one.
    const second = await ingestOpenLineageEvent(
      store,
      event('COMPLETE', '2d7a0b5c-8e3f-4a41-9c9d-3e4f5a6b7c8d', {
        inputs: [{ namespace: 'file', name: file }],
      }),
    );
    const known = await store.getArtifact({ externalId: digest });
    expect(second.inputs).toEqual([{ id: known!.id }]);
  });

  it('refuses what is not a RunEvent, saying what is wrong', async () => {
    await expect(ingestOpenLineageEvent(store, { eventTime: 'now' })).rejects.toThrow(
      /not an OpenLineage RunEvent: eventTime/,
    );
    await expect(ingestOpenLineageEvent(store, event('START', 'not-a-uuid'))).rejects.toThrow(/run\.runId/);
  });
});
