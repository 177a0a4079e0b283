/**
 * A store remembers the type work of committed batches (type-memo.ts), so a run's later batches
 * skip it. What must not happen: a rolled-back batch leaving a type remembered that does not
 * exist, or a type another writer extended being read from memory without its new property.
 * Run on a SQLite file and on PostgreSQL, each with two store instances on one database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LineageBatch, type MetadataStore, openStore } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../support/postgres.js';

const MODEL = { kind: 'artifact', name: 'memo.Model', properties: { accuracy: 'DOUBLE' } } as const;

function modelBatch(externalId: string, extra: Partial<LineageBatch> = {}): LineageBatch {
  return {
    types: [MODEL],
    artifacts: [{ type: 'memo.Model', externalId, properties: { accuracy: 0.5 } }],
    ...extra,
  };
}

function defineMemoTests(open: () => Promise<string>) {
  let uri: string;
  let stores: MetadataStore[] = [];
  const store = async () => {
    const s = await openStore(uri);
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    uri = await open();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    stores = [];
  });

  it('a batch rolled back after declaring a type leaves nothing remembered', async () => {
    const a = await store();
    const failing = modelBatch('m-rolled-back', {
      // An event to an execution that does not exist: the whole batch rolls back, type included.
      events: [
        { artifact: { externalId: 'm-rolled-back' }, execution: { externalId: 'nope' }, type: 'OUTPUT' },
      ],
    });
    await expect(a.putLineage(failing)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await a.getType('artifact', 'memo.Model')).toBeUndefined();
    // Declared again by the next batch (not skipped as "already declared"), so it is written.
    const { artifactIds } = await a.putLineage(modelBatch('m-1'));
    expect(artifactIds).toHaveLength(1);
    expect((await a.getType('artifact', 'memo.Model'))?.properties).toEqual({ accuracy: 'DOUBLE' });
  });

  it('a property another writer added to a remembered type is found', async () => {
    const a = await store();
    const b = await store();
    await a.putLineage(modelBatch('m-2'));
    await a.putLineage(modelBatch('m-3'));
    // Another process extends the type a remembers.
    await b.putTypes([{ ...MODEL, properties: { accuracy: 'DOUBLE', auc: 'DOUBLE' } }]);
    // a's batch declares the old shape (still valid: types only grow) and writes the new property.
    await a.putLineage({
      types: [MODEL],
      artifacts: [{ type: 'memo.Model', externalId: 'm-4', properties: { accuracy: 0.7, auc: 0.9 } }],
    });
    const page = await b.getArtifacts({ externalIds: ['m-4'] });
    expect(page.items[0]?.properties).toEqual({ accuracy: 0.7, auc: 0.9 });
  });
}

describe('type memo: SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-type-memo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  defineMemoTests(async () => `sqlite:${join(dir, 'memo.db')}`);
});

const pgTest = await probePostgres('type memo');
describe.skipIf(pgTest.skip)('type memo: PostgreSQL', () => {
  const schema = testSchema('typememo');
  afterAll(() => schema.drop());
  defineMemoTests(() => schema.fresh().then(() => schema.uri));
});
