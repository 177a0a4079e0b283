/**
 * The names a filter may use on the left of an operator, and how a dotted path such as
 * `properties.acc.double_value` or `contexts_a.name` resolves to a FieldRef.
 */
import { FilterSyntaxError } from '../store/errors.js';
import type { ContextFieldName, FieldRef, NodeFieldName, PropertyValueColumn } from './ast.js';

const NODE_FIELDS: Record<string, NodeFieldName> = {
  id: 'id',
  type: 'type',
  type_id: 'type_id',
  type_version: 'type_version',
  name: 'name',
  external_id: 'external_id',
  uri: 'uri',
  state: 'state',
  last_known_state: 'last_known_state',
  create_time_since_epoch: 'create_time_since_epoch',
  last_update_time_since_epoch: 'last_update_time_since_epoch',
  create_time: 'create_time_since_epoch',
  update_time: 'last_update_time_since_epoch',
};

const CONTEXT_FIELDS: readonly ContextFieldName[] = [
  'id',
  'name',
  'type',
  'external_id',
  'create_time_since_epoch',
  'last_update_time_since_epoch',
];

const VALUE_COLUMNS: readonly PropertyValueColumn[] = [
  'int_value',
  'double_value',
  'string_value',
  'bool_value',
];

/** Listed in "unknown field" errors, in the order a user is most likely to want them. */
export const FIELD_LIST = [
  ...Object.keys(NODE_FIELDS),
  'properties.NAME[.int_value|.double_value|.string_value|.bool_value]',
  'custom_properties.NAME[...]',
  'contexts.name',
  'contexts.type',
  'contexts.id',
  'contexts_<alias>.<field>',
].join(', ');

export interface PathSegment {
  name: string;
  position: number;
}

/** Resolves the segments of a dotted field path; throws FilterSyntaxError naming the valid fields. */
export function resolveField(segments: PathSegment[]): FieldRef {
  const head = segments[0]!;
  const text = segments.map((s) => s.name).join('.');
  const position = head.position;
  if (head.name === 'properties' || head.name === 'custom_properties') {
    const custom = head.name === 'custom_properties';
    if (segments.length < 2) {
      throw new FilterSyntaxError(
        `expected a property name after '${head.name}' (${head.name}.NAME, or ${head.name}.\`odd-name\`) but found nothing`,
        position + head.name.length,
      );
    }
    if (segments.length > 3) {
      throw new FilterSyntaxError(
        `field '${text}' has too many parts; write ${head.name}.NAME or ${head.name}.NAME.int_value (put names containing dots in backticks: ${head.name}.\`a.b\`)`,
        segments[3]!.position,
      );
    }
    const column = segments[2];
    if (column && !VALUE_COLUMNS.includes(column.name as PropertyValueColumn)) {
      throw new FilterSyntaxError(
        `unknown value column '${column.name}'; ${didYouMean(column.name, VALUE_COLUMNS)}expected one of ${VALUE_COLUMNS.join(', ')}`,
        column.position,
      );
    }
    return {
      kind: 'property',
      custom,
      name: segments[1]!.name,
      column: column?.name as PropertyValueColumn | undefined,
      text,
      position,
    };
  }
  const contextMatch = /^contexts(?:_([A-Za-z0-9_]+))?$/.exec(head.name);
  if (contextMatch) {
    const field = segments[1];
    if (!field || segments.length > 2 || !CONTEXT_FIELDS.includes(field.name as ContextFieldName)) {
      const at = field ?? head;
      const found = field
        ? `'${field.name}'${didYouMean(field.name, CONTEXT_FIELDS, '; ').trimEnd()}`
        : 'nothing';
      throw new FilterSyntaxError(
        `expected a context field after '${head.name}.' (${CONTEXT_FIELDS.join(', ')}) but found ${found}`,
        segments.length > 2 ? segments[2]!.position : at.position,
      );
    }
    return {
      kind: 'context',
      alias: contextMatch[1] ?? null,
      field: field.name as ContextFieldName,
      text,
      position,
    };
  }
  const nodeField = NODE_FIELDS[head.name];
  if (nodeField && segments.length === 1) return { kind: 'node', field: nodeField, text, position };
  const candidates = [...Object.keys(NODE_FIELDS), 'properties', 'custom_properties', 'contexts'];
  throw new FilterSyntaxError(
    `unknown field '${text}'; ${didYouMean(head.name, candidates)}fields: ${FIELD_LIST}`,
    position,
  );
}

/** "did you mean 'name'? " (after `lead`) when a candidate is within two edits, else "". */
function didYouMean(word: string, candidates: readonly string[], lead = ''): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : `${lead}did you mean '${best}'? `;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts as one typo. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
