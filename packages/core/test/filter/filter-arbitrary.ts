/**
 * fast-check arbitraries for filters: a soup of fields, operators, literals and connectives
 * (often valid, often not), integers at and beyond 64 bits, too many contexts_ aliases, deep
 * parentheses and plain random text. Shared by the parser's property test and the server's.
 */
import fc from 'fast-check';

const integerTexts = fc.oneof(
  fc.constantFrom(
    '2147483648',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999999',
    '1e999',
    '-0',
    '1.5',
    '0',
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);

const filterFields = [
  'id',
  'type_id',
  'name',
  'type',
  'uri',
  'state',
  'external_id',
  'create_time',
  'properties.x',
  'custom_properties.`param.lr`',
  'custom_properties.x.int_value',
  'contexts.name',
  'contexts.id',
  'contexts_a.name',
  'last_known_state',
];
const filterOperators = ['=', '!=', '<', '>=', 'LIKE', 'NOT LIKE', 'IN', 'IS NULL', 'IS NOT NULL', '==', '!'];
const filterLiterals = fc.oneof(
  integerTexts,
  fc.constantFrom("'x'", "'%'", "'\\\\'", 'TRUE', 'LIVE', 'NULL', '(1, 2)', "'unterminated", '1.5e10'),
  fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/['\\]/g, '')}'`),
);

/** Filters: a soup of fields, operators, literals and connectives, often valid, often not. */
export const filterText: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...filterFields), fc.constantFrom(...filterOperators), filterLiterals), {
      minLength: 1,
      maxLength: 6,
    })
    .chain((terms) =>
      fc
        .array(fc.constantFrom(' AND ', ' OR ', ' AND NOT ', ' OR (', ') AND '), {
          minLength: terms.length,
          maxLength: terms.length,
        })
        .map((joins) =>
          terms
            .map(([f, o, l], i) => `${i > 0 ? joins[i] : ''}${f} ${o} ${o.includes('NULL') ? '' : l}`)
            .join(''),
        ),
    ),
  fc
    .integer({ min: 30, max: 40 })
    .map((n) => Array.from({ length: n }, (_, i) => `contexts_c${i}.name = 'x'`).join(' AND ')),
  fc.integer({ min: 60, max: 200 }).map((n) => `${'('.repeat(n)}id = 1${')'.repeat(n)}`),
  fc.string({ maxLength: 40 }),
);
