/**
 * Issue 12, finding 5: inputs no backend can hold are typed errors (INVALID_ARGUMENT), never a
 * driver error, a stack overflow or a silently dropped key; on SQLite and PostgreSQL alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILTER_LIMITS, MAX_PROPERTY_DEPTH, type MetadataStore, openStore } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../support/postgres.js';

const probe = await probePostgres('malformed store input');
const schema = testSchema('malformed');
const dir = mkdtempSync(join(tmpdir(), 'mlmeta-malformed-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!probe.skip) await schema.drop();
}, 60_000);

const backends: [string, () => Promise<string>][] = [['sqlite', async () => `sqlite:${join(dir, 'm.db')}`]];
if (!probe.skip) backends.push(['postgres', () => schema.fresh()]);

/** `value` nested `depth` objects deep: { a: { a: ... 1 } }. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe.each(backends)('%s', (_name, uri) => {
  let store: MetadataStore;
  beforeAll(async () => {
    store = await openStore(await uri());
    await store.putTypes([{ kind: 'execution', name: 'test.Run' }]);
  });
  afterAll(() => store.close());

  const big = 2 ** 31;

  it('ids beyond 2^31-1 in every read are INVALID_ARGUMENT naming the range', async () => {
    const reads: (() => Promise<unknown>)[] = [
      () => store.getArtifacts({ ids: [big] }),
      () => store.getExecutions({ ids: [1, big + 5] }),
      () => store.getContexts({ ids: [2 ** 53] }),
      () => store.getEvents({ executionIds: [big] }),
      () => store.getEvents({ artifactIds: [big] }),
      () => store.getAttributions({ contextIds: [big] }),
      () => store.getAssociations({ executionIds: [big] }),
      () => store.getParentContexts({ parentIds: [big] }),
      () => store.getLineage({ start: { artifacts: { ids: [big] } } }),
      () => store.getExecution({ id: big }),
      () => store.getMetrics({ execution: { id: big }, key: 'loss' }),
      () => store.getMetricKeys({ id: big }),
    ];
    for (const read of reads) {
      const error = await rejection(read());
      expect(error.code, error.message).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/2147483647/);
    }
    // In range but absent: a clean empty answer.
    expect((await store.getArtifacts({ ids: [big - 1] })).items).toEqual([]);
    expect(await store.getEvents({ executionIds: [big - 1] })).toEqual([]);
  });

  it('filter ids beyond 2^31 compare as numbers; literals beyond int64 are filter errors', async () => {
    expect((await store.getExecutions({ filter: 'id = 3000000000' })).items).toEqual([]);
    expect(
      (await store.getExecutions({ filter: 'id < 3000000000 AND type_id > -5000000000' })).items,
    ).toEqual([]);
    expect((await store.getExecutions({ filter: 'state = 3000000000' })).items).toEqual([]);
    expect((await store.getArtifacts({ filter: 'contexts.id IN (1, 4000000000)' })).items).toEqual([]);
    for (const filter of [
      'id = 99999999999999999999',
      'custom_properties.x = 9223372036854775808',
      'properties.x.int_value > -9223372036854775809',
      'custom_properties.x IN (1, 123456789012345678901234567890)',
    ]) {
      const error = await rejection(store.getExecutions({ filter }));
      expect(error.code, filter).toBe('INVALID_ARGUMENT');
      expect(error.message, filter).toMatch(/64-bit/);
    }
    // The extremes themselves are fine.
    expect(
      (await store.getExecutions({ filter: 'custom_properties.x = 9223372036854775807' })).items,
    ).toEqual([]);
    expect(
      (await store.getExecutions({ filter: 'custom_properties.x = -9223372036854775808' })).items,
    ).toEqual([]);
  });

  it(`more than ${FILTER_LIMITS.maxContextAliases} contexts_ aliases is a filter error saying the limit`, async () => {
    const aliases = (n: number) =>
      Array.from({ length: n }, (_, i) => `contexts_c${i}.name = 'x${i}'`).join(' AND ');
    expect((await store.getExecutions({ filter: aliases(FILTER_LIMITS.maxContextAliases) })).items).toEqual(
      [],
    );
    const error = await rejection(
      store.getExecutions({ filter: aliases(FILTER_LIMITS.maxContextAliases + 1) }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`at most ${FILTER_LIMITS.maxContextAliases}`);
  });

  it(`a property nested deeper than ${MAX_PROPERTY_DEPTH} levels is refused, not a stack overflow`, async () => {
    for (const depth of [MAX_PROPERTY_DEPTH + 1, 2_000, 100_000]) {
      const error = await rejection(
        store.putLineage({
          executions: [
            {
              type: 'test.Run',
              externalId: `deep-${depth}`,
              customProperties: { d: nested(depth) as never },
            },
          ],
        }),
      );
      expect(error.code, error.message).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(`${MAX_PROPERTY_DEPTH} levels`);
    }
    await store.putLineage({
      executions: [
        {
          type: 'test.Run',
          externalId: 'deep-ok',
          customProperties: { d: nested(MAX_PROPERTY_DEPTH) as never },
        },
      ],
    });
    const stored = await store.getExecution({ externalId: 'deep-ok' });
    expect(stored?.customProperties.d).toEqual(nested(MAX_PROPERTY_DEPTH));
  });

  it('a __proto__ key is refused wherever it sits; constructor and prototype keys are kept', async () => {
    for (const text of [
      '{"\\u005f_proto__": 1}',
      '{"cfg": {"\\u005f_proto__": {"admin": true}}}',
      '{"cfg": [{"a": 1}, {"__proto__": 2}]}',
    ]) {
      const error = await rejection(
        store.putLineage({
          executions: [{ type: 'test.Run', externalId: 'proto', customProperties: JSON.parse(text) }],
        }),
      );
      expect(error.code, text).toBe('INVALID_ARGUMENT');
      expect(error.message, text).toContain('__proto__');
    }
    expect(await store.getExecution({ externalId: 'proto' })).toBeUndefined();
    const kept = JSON.parse(
      '{"constructor": "c", "prototype": {"constructor": 1, "prototype": [2]}, "toString": 3, "hasOwnProperty": true}',
    );
    await store.putLineage({
      executions: [{ type: 'test.Run', externalId: 'kept', customProperties: kept, properties: {} }],
    });
    const stored = await store.getExecution({ externalId: 'kept' });
    expect(stored?.customProperties).toEqual(kept);
    expect(Object.getPrototypeOf(stored?.customProperties)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
