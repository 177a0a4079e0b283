import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFilter, FilterSyntaxError, sqliteDialect } from '@mlmeta/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, insertStatements, schemaStatements } from './fixture.js';

const TABLE = { artifact: 'Artifact', execution: 'Execution', context: 'Context' } as const;

describe('compileFilter on a real SQLite database', () => {
  let dir: string;
  let db: Database.Database;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlmeta-filter-'));
    db = new Database(join(dir, 'filter.db'));
    for (const statement of schemaStatements('sqlite')) db.exec(statement);
    for (const { sql, params } of insertStatements('sqlite', sqliteDialect.placeholder))
      db.prepare(sql).run(...params);
  });

  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const matching = (filter: string, kind: keyof typeof TABLE): number[] => {
    const { sql, params } = compileFilter(filter, kind, sqliteDialect);
    const rows = db.prepare(`SELECT n.id FROM ${TABLE[kind]} n WHERE ${sql} ORDER BY n.id`).all(...params);
    return rows.map((row) => (row as { id: number }).id);
  };

  it.each(CASES)('$kind: $filter → $ids', ({ filter, kind, ids }) => {
    expect(matching(filter, kind)).toEqual(ids);
  });

  it('keeps user text out of the SQL: injection attempts are parameters and match nothing', () => {
    const { sql, params } = compileFilter(
      "name = 'x\\' OR 1=1 --' OR properties.`a'--` = 1",
      'artifact',
      sqliteDialect,
    );
    expect(sql).not.toContain('1=1');
    expect(sql).not.toContain("a'--");
    expect(params).toContain("x' OR 1=1 --");
    expect(params).toContain("a'--");
    expect(matching("name = 'x\\' OR 1=1 --'", 'artifact')).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM Artifact').get()).toEqual({ n: 5 });
  });

  it('compiles a 1,200-term OR chain that SQLite can run (balanced, under its expression depth limit)', () => {
    const filter = Array.from({ length: 1200 }, (_, i) => `id = ${i + 1}`).join(' OR ');
    expect(matching(filter, 'artifact')).toEqual([1, 2, 3, 4, 5]);
  });

  it('is case-sensitive for LIKE even though SQLite LIKE is not', () => {
    expect(matching("name LIKE '%mnist%'", 'artifact')).toEqual([1]);
    expect(db.prepare("SELECT count(*) AS n FROM Artifact WHERE name LIKE '%mnist%'").get()).toEqual({
      n: 2,
    });
  });

  it('numbers placeholders from firstParamIndex (sqlite placeholders are positional)', () => {
    const { sql, params } = compileFilter("name = 'mnist'", 'artifact', sqliteDialect, 2);
    const rows = db.prepare(`SELECT n.id FROM Artifact n WHERE n.id > ? AND ${sql}`).all(0, ...params);
    expect(rows).toEqual([{ id: 1 }]);
  });

  it.each([
    ["uri = 'x'", 'execution', "field 'uri' does not apply to executions", 0],
    ['last_known_state = COMPLETE', 'artifact', "field 'last_known_state' does not apply to artifacts", 0],
    ['state = LIVE', 'context', "field 'state' does not apply to contexts", 0],
    ["contexts.name = 'a'", 'context', "'contexts.name' applies to artifacts and executions", 0],
    ['state = LIVEE', 'artifact', "unknown artifact state 'LIVEE'; valid states: UNKNOWN, PENDING, LIVE", 8],
    [
      'state = LIVE',
      'execution',
      "unknown execution state 'LIVE'; valid states: UNKNOWN, NEW, RUNNING, COMPLETE",
      8,
    ],
    ["id = '3'", 'artifact', `'id' compares with whole numbers but found string "3"`, 5],
    ['id = 1.5', 'artifact', "'id' compares with whole numbers but found number 1.5", 5],
    ['name = mnist', 'artifact', "'name' compares with quoted text but found 'mnist' (write 'mnist')", 7],
    ["id LIKE '1%'", 'artifact', "LIKE applies to text fields; 'id' is not one", 0],
    ['properties.epochs.int_value = 0.5', 'artifact', 'compares with whole numbers but found number 0.5', 30],
    ["properties.epochs IN (1, 'a')", 'artifact', `compares with numbers but found string "a"`, 25],
    ['properties.flag.bool_value = 1', 'artifact', 'compares with true or false but found number 1', 29],
    ['properties.flag = yes', 'artifact', "found the bare word 'yes'; quote text values: 'yes'", 18],
    ["name LIKE 'ab\\\\'", 'artifact', 'LIKE pattern ends with an escape', 10],
  ] as const)('rejects %s for %ss: %s', (filter, kind, message, position) => {
    let caught: unknown;
    try {
      compileFilter(filter, kind, sqliteDialect);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as FilterSyntaxError).message).toContain(message);
    expect((caught as FilterSyntaxError).position).toBe(position);
  });

  it('rejects a bad firstParamIndex', () => {
    expect(() => compileFilter('id = 1', 'artifact', sqliteDialect, 0)).toThrow(
      /firstParamIndex must be an integer >= 1/,
    );
  });

  it('rejects a node kind that is not artifact, execution or context (own keys only)', () => {
    expect(() => compileFilter('id = 1', 'constructor' as never, sqliteDialect)).toThrow(
      /kind must be artifact, execution or context/,
    );
  });
});
