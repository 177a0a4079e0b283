/**
 * Property-based filters (fast-check): whatever the text, parsing and compiling for every node
 * kind and both dialects either succeed or throw a FilterSyntaxError with a position inside the
 * text, never another exception; and running it on a real SQLite store either answers or fails
 * with that typed error (never a database error).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compileFilter,
  FilterSyntaxError,
  type MetadataStore,
  openStore,
  parseFilter,
  postgresDialect,
  sqliteDialect,
} from '@mlmeta/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterText } from './filter-arbitrary.js';

const kinds = ['artifact', 'execution', 'context'] as const;

/** A valid filter with one character inserted, deleted or replaced: the near misses users type. */
const nearMiss = fc
  .tuple(
    fc.constantFrom(
      "type = 'mlmeta.Model' AND properties.accuracy > 0.9",
      'state IN (LIVE, PENDING) AND create_time >= 1735689600000',
      "contexts.name = 'exp1' AND NOT custom_properties.deployed = true",
      "contexts_a.type = 'mlmeta.Experiment' AND contexts_a.name = 'exp1'",
      "properties.`my-key`.string_value LIKE 'resnet%'",
    ),
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  )
  .map(([text, at, edit, ch]) => {
    const i = at % text.length;
    if (edit === 'delete') return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + ch + text.slice(edit === 'replace' ? i + 1 : i);
  });

const anyFilter = fc.oneof(filterText, nearMiss, fc.string({ unit: 'binary', maxLength: 60 }));

function expectTyped(text: string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error, `${text} → ${(error as Error).message}`).toBeInstanceOf(FilterSyntaxError);
    const { position } = error as FilterSyntaxError;
    expect(Number.isInteger(position) && position >= 0 && position <= text.length, text).toBe(true);
  }
}

describe('filters from fast-check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-filter-prop-'));
  let store: MetadataStore;
  beforeAll(async () => {
    store = await openStore(`sqlite:${join(dir, 'f.db')}`);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parse and compile, or throw a FilterSyntaxError with a position', () => {
    fc.assert(
      fc.property(anyFilter, (text) => {
        expectTyped(text, () => parseFilter(text));
        for (const kind of kinds) {
          for (const dialect of [sqliteDialect, postgresDialect]) {
            expectTyped(text, () => compileFilter(text, kind, dialect));
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it('run on a SQLite store, or fail with INVALID_ARGUMENT', async () => {
    await fc.assert(
      fc.asyncProperty(anyFilter, fc.constantFrom(...kinds), async (text, kind) => {
        const list = (query: { filter: string }) =>
          kind === 'artifact'
            ? store.getArtifacts(query)
            : kind === 'execution'
              ? store.getExecutions(query)
              : store.getContexts(query);
        try {
          await list({ filter: text });
        } catch (error) {
          expect((error as { code?: string }).code, `${text} → ${(error as Error).message}`).toBe(
            'INVALID_ARGUMENT',
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
