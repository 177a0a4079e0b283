import {
  compileFilter,
  FILTER_LIMITS,
  type FilterExpression,
  FilterSyntaxError,
  parseFilter,
  postgresDialect,
  sqliteDialect,
} from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

/** A compact rendering of the tree, so precedence tests read like the filter. */
function shape(node: FilterExpression): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `${node.kind}(${node.operands.map(shape).join(', ')})`;
    case 'not':
      return `not(${shape(node.operand)})`;
    case 'compare':
      return `${node.field.text}${node.operator}${JSON.stringify(literalValue(node.value))}`;
    case 'like':
      return `${node.field.text} ${node.negated ? 'NOT LIKE' : 'LIKE'} ${JSON.stringify(node.pattern.value)}`;
    case 'in':
      return `${node.field.text} ${node.negated ? 'NOT IN' : 'IN'} [${node.values.map((v) => JSON.stringify(literalValue(v))).join(',')}]`;
    case 'isNull':
      return `${node.field.text} IS ${node.negated ? 'NOT ' : ''}NULL`;
  }
}

function literalValue(literal: { kind: string; value: unknown }) {
  return literal.kind === 'word' ? `word:${literal.value}` : literal.value;
}

function syntaxError(filter: string): FilterSyntaxError {
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('parseFilter: precedence and grouping', () => {
  it.each([
    ["name = 'a' OR name = 'b' AND NOT name = 'c'", 'or(name="a", and(name="b", not(name="c")))'],
    ["NOT name = 'a' AND name = 'b'", 'and(not(name="a"), name="b")'],
    ["name = 'a' AND name = 'b' OR name = 'c'", 'or(and(name="a", name="b"), name="c")'],
    ["(name = 'a' OR name = 'b') AND id = 1", 'and(or(name="a", name="b"), id=1)'],
    ["NOT (name = 'a' OR id = 1)", 'not(or(name="a", id=1))'],
    ['NOT NOT id = 1', 'not(not(id=1))'],
    ['((id = 1))', 'id=1'],
    ['id = 1 OR id = 2 OR id = 3', 'or(id=1, id=2, id=3)'],
    [
      "name like 'a%' and not id in (1, 2) or id is not null",
      'or(and(name LIKE "a%", not(id IN [1,2])), id IS NOT NULL)',
    ],
  ])('%s', (filter, expected) => {
    expect(shape(parseFilter(filter))).toBe(expected);
  });
});

describe('parseFilter: operators', () => {
  it.each([
    ['id = 1', 'id=1'],
    ['id != 1', 'id!=1'],
    ['id <> 1', 'id!=1'],
    ['id < 1', 'id<1'],
    ['id > 1', 'id>1'],
    ['id <= 1', 'id<=1'],
    ['id >= 1', 'id>=1'],
    ['id>=1', 'id>=1'],
    ["name LIKE 'm%'", 'name LIKE "m%"'],
    ["name NOT LIKE 'm%'", 'name NOT LIKE "m%"'],
    ["name IN ('a', 'b')", 'name IN ["a","b"]'],
    ['id NOT IN (1)', 'id NOT IN [1]'],
    ['external_id IS NULL', 'external_id IS NULL'],
    ['external_id IS NOT NULL', 'external_id IS NOT NULL'],
  ])('%s', (filter, expected) => {
    expect(shape(parseFilter(filter))).toBe(expected);
  });
});

describe('parseFilter: literals and escapes', () => {
  const value = (filter: string) => {
    const node = parseFilter(filter);
    if (node.kind !== 'compare') throw new Error('not a comparison');
    return node.value;
  };

  it.each([
    ["name = 'it\\'s'", "it's"],
    ['name = "say \\"hi\\""', 'say "hi"'],
    ["name = 'a\\\\b'", 'a\\b'],
    ["name = 'tab\\there\\nnew\\rret'", 'tab\there\nnew\rret'],
    ['name = "single \' inside"', "single ' inside"],
    ["name = ''", ''],
    ["name = 'ünïcødé 模型'", 'ünïcødé 模型'],
  ])('string %s', (filter, expected) => {
    expect(value(filter)).toMatchObject({ kind: 'string', value: expected });
  });

  it.each([
    ['id = 42', 42, true],
    ['id = -3', -3, true],
    ['id = 1.5', 1.5, false],
    ['id = 2e3', 2000, false],
    ['id = -1.5E-2', -0.015, false],
    ['id = 9007199254740993', 9007199254740992, true],
  ])('number %s', (filter, expected, integer) => {
    expect(value(filter)).toMatchObject({ kind: 'number', value: expected, integer });
  });

  it('keeps the digits of integers beyond 2^53', () => {
    expect(value('id = 9007199254740993')).toMatchObject({ text: '9007199254740993' });
  });

  it('reads true/false case-insensitively and other bare words as words (enum names)', () => {
    expect(value('properties.x = TRUE')).toMatchObject({ kind: 'boolean', value: true });
    expect(value('properties.x = false')).toMatchObject({ kind: 'boolean', value: false });
    expect(value('state = LIVE')).toMatchObject({ kind: 'word', value: 'LIVE' });
  });
});

describe('parseFilter: fields', () => {
  const field = (filter: string) => {
    const node = parseFilter(filter);
    if (node.kind !== 'compare') throw new Error('not a comparison');
    return node.field;
  };

  it.each([
    ['create_time = 1', { kind: 'node', field: 'create_time_since_epoch' }],
    ['update_time = 1', { kind: 'node', field: 'last_update_time_since_epoch' }],
    ['type_version = "1"', { kind: 'node', field: 'type_version' }],
    ['properties.acc = 1', { kind: 'property', custom: false, name: 'acc', column: undefined }],
    [
      'custom_properties.acc.double_value = 1',
      { kind: 'property', custom: true, name: 'acc', column: 'double_value' },
    ],
    ['properties.`my-key`.string_value = "x"', { kind: 'property', name: 'my-key', column: 'string_value' }],
    ['properties.`a.b\\`c` = 1', { kind: 'property', name: 'a.b`c', column: undefined }],
    ['properties.in = 1', { kind: 'property', name: 'in' }],
    ['contexts.name = "x"', { kind: 'context', alias: null, field: 'name' }],
    ['contexts_a.type = "x"', { kind: 'context', alias: 'a', field: 'type' }],
    ['contexts_run2.id = 1', { kind: 'context', alias: 'run2', field: 'id' }],
  ])('%s', (filter, expected) => {
    expect(field(filter)).toMatchObject(expected);
  });
});

describe('parseFilter: errors name what was expected, what was found and where', () => {
  it.each([
    ['type_id =', "expected a value after '=' but found end of filter (at position 9)"],
    [
      '',
      "expected a field (e.g. name, type, properties.NAME, contexts.name) or '(' but found end of filter (at position 0)",
    ],
    ["nmae = 'x'", "unknown field 'nmae'; did you mean 'name'? fields: id, type, type_id,"],
    ['stte = LIVE', "unknown field 'stte'; did you mean 'state'?"],
    ['propertes.acc = 1', "unknown field 'propertes.acc'; did you mean 'properties'?"],
    ['zzz = 1', "unknown field 'zzz'; fields: id, type"],
    [
      "name = 'abc",
      "expected a closing ' for the string that starts at position 7 but found end of filter (at position 11)",
    ],
    ["(name = 'a'", "expected ')' to close the '(' at position 0 but found end of filter (at position 11)"],
    ["name = 'a')", "found ')' without a matching '(' (at position 10)"],
    [
      "name 'a'",
      'expected an operator (= != < > <= >= LIKE, NOT LIKE, IN (...), NOT IN (...), IS NULL, IS NOT NULL) after \'name\' but found string "a" (at position 5)',
    ],
    ["name = 'a' name = 'b'", "expected AND, OR or end of filter but found 'name' (at position 11)"],
    ['id IN ()', "expected a value in IN (...) but found ')' (at position 7)"],
    ['id IN (1 2)', "expected ',' or ')' in IN (...) but found number 2 (at position 9)"],
    ['id IN 1', "expected '(' after 'IN' but found number 1 (at position 6)"],
    ["name IS 'x'", 'expected NULL after \'IS\' but found string "x" (at position 8)'],
    ['name IS NOT 5', "expected NULL after 'IS NOT' but found number 5 (at position 12)"],
    ["name NOT = 'x'", "expected LIKE or IN after NOT but found '=' (at position 9)"],
    ['name = NULL', 'found NULL; test for a missing value with IS NULL / IS NOT NULL (at position 7)'],
    ["name == 'x'", "expected '=' but found '=='; comparisons use a single '=' (at position 5)"],
    ["name = 'a' & id = 1", 'unexpected character "&"'],
    ['id ! 1', "expected '!=' but found '!' (at position 3)"],
    [
      'name LIKE 5',
      "expected a quoted pattern after 'LIKE' (e.g. 'mnist%') but found number 5 (at position 10)",
    ],
    [
      'properties. = 1',
      "expected a name after 'properties.' but found '=' (put names with other characters in backticks: properties.`my-key`) (at position 12)",
    ],
    ['properties.', "expected a name after 'properties.' but found end of filter (put names with other"],
    ['properties = 1', "expected a property name after 'properties'"],
    [
      'properties.x.foo = 1',
      "unknown value column 'foo'; expected one of int_value, double_value, string_value, bool_value (at position 13)",
    ],
    ['properties.x.int_vlaue = 1', "unknown value column 'int_vlaue'; did you mean 'int_value'?"],
    ['properties.a.b.c.d = 1', "field 'properties.a.b.c.d' has too many parts"],
    [
      "contexts.nam = 'x'",
      "expected a context field after 'contexts.' (id, name, type, external_id, create_time_since_epoch, last_update_time_since_epoch) but found 'nam'; did you mean 'name'? (at position 9)",
    ],
    ["contexts = 'x'", "expected a context field after 'contexts.'"],
    [
      "name = 'a\\q'",
      "unknown escape '\\q' in quoted text; valid escapes are \\\\ \\' \\\" \\` \\n \\t \\r (at position 9)",
    ],
    ['id = 12abc', "expected a number but found '12a'"],
    [
      'AND id = 1',
      "expected a field (e.g. name, type, properties.NAME, contexts.name) or '(' but found 'AND' (at position 0)",
    ],
    [
      'id = 1 AND',
      "expected a field (e.g. name, type, properties.NAME, contexts.name) or '(' but found end of filter (at position 10)",
    ],
    ['id = 1e999', 'number 1e999 is out of range (at position 5)'],
    ['name = "a\u0000"', 'unexpected NUL character; filters are plain text (at position 9)'],
  ])('%j', (filter, message) => {
    const error = syntaxError(filter);
    expect(error.message).toContain(message);
    expect(error.code).toBe('INVALID_ARGUMENT');
  });

  it('reports the position as a number as well as in the message', () => {
    const error = syntaxError("name = 'a' AND id >");
    expect(error.position).toBe(19);
    expect(error.message).toBe("expected a value after '>' but found end of filter (at position 19)");
  });
});

describe('parseFilter: limits against pathological input', () => {
  it(`accepts nesting up to ${FILTER_LIMITS.maxDepth} and rejects deeper`, () => {
    const nest = (depth: number) => `${'('.repeat(depth)}id = 1${')'.repeat(depth)}`;
    expect(shape(parseFilter(nest(FILTER_LIMITS.maxDepth)))).toBe('id=1');
    expect(syntaxError(nest(FILTER_LIMITS.maxDepth + 1)).message).toContain(
      `nests parentheses and NOTs more than ${FILTER_LIMITS.maxDepth} deep`,
    );
    expect(syntaxError(`${'NOT '.repeat(1000)}id = 1`).position).toBe(FILTER_LIMITS.maxDepth * 4);
  });

  it('rejects filters over the length limit before tokenizing them', () => {
    const filter = `${'id = 1 OR '.repeat(2000)}id = 2`;
    const error = syntaxError(filter);
    expect(error.message).toContain(`the limit is ${FILTER_LIMITS.maxLength}`);
  });

  it('parses a long flat OR chain without deep recursion', () => {
    const filter = Array.from({ length: 1500 }, (_, i) => `id=${i}`).join(' OR ');
    const node = parseFilter(filter);
    expect(node.kind === 'or' && node.operands.length).toBe(1500);
  });
});

describe('limits a backend would fail on', () => {
  it('an integer beyond 64 bits is a FilterSyntaxError at its position; the extremes parse', () => {
    for (const [text, position] of [
      ['id = 9223372036854775808', 5],
      ['properties.x > -9223372036854775809', 15],
      ["name = 'a' OR custom_properties.n IN (1, 99999999999999999999999)", 41],
    ] as const) {
      expect(() => parseFilter(text), text).toThrow(FilterSyntaxError);
      try {
        parseFilter(text);
      } catch (error) {
        expect((error as FilterSyntaxError).position, text).toBe(position);
        expect((error as Error).message).toMatch(/64-bit range/);
      }
    }
    expect(() => parseFilter('properties.x = 9223372036854775807')).not.toThrow();
    expect(() => parseFilter('properties.x = -9223372036854775808')).not.toThrow();
    expect(() => parseFilter('properties.x = 1e30')).not.toThrow();
  });

  it(`more than ${FILTER_LIMITS.maxContextAliases} contexts_ aliases is a FilterSyntaxError saying the limit`, () => {
    const filter = (n: number) =>
      Array.from({ length: n }, (_, i) => `contexts_a${i}.name = 'x'`).join(' OR ');
    expect(() =>
      compileFilter(filter(FILTER_LIMITS.maxContextAliases), 'artifact', sqliteDialect),
    ).not.toThrow();
    // Reusing an alias costs nothing.
    expect(() =>
      compileFilter(
        `${filter(FILTER_LIMITS.maxContextAliases)} OR contexts_a0.id = 1`,
        'execution',
        sqliteDialect,
      ),
    ).not.toThrow();
    expect(() =>
      compileFilter(filter(FILTER_LIMITS.maxContextAliases + 1), 'execution', postgresDialect),
    ).toThrow(/at most 32 different contexts_<alias>/);
  });
});
