/**
 * The filter language's syntax tree. Every node keeps the 0-based `position` of the text it came
 * from, so that the compiler can point at the exact spot when a filter parses but cannot apply
 * (for example `uri` in an execution filter).
 */

/** A node column that filters compare directly (aliases are resolved by the parser). */
export type NodeFieldName =
  | 'id'
  | 'type'
  | 'type_id'
  | 'type_version'
  | 'name'
  | 'external_id'
  | 'uri'
  | 'state'
  | 'last_known_state'
  | 'create_time_since_epoch'
  | 'last_update_time_since_epoch';

/** The columns of a property row; `undefined` lets the literal pick the column. */
export type PropertyValueColumn = 'int_value' | 'double_value' | 'string_value' | 'bool_value';

/** Context fields reachable through `contexts.X` / `contexts_<alias>.X`. */
export type ContextFieldName =
  | 'id'
  | 'name'
  | 'type'
  | 'external_id'
  | 'create_time_since_epoch'
  | 'last_update_time_since_epoch';

/**
 * The left-hand side of a filter condition: a node field, a property, or a context field.
 *
 * @example
 * const expr = parseFilter("properties.acc > 0.9"); // expr.field is a FieldRef of kind 'property'
 */
export type FieldRef =
  | { kind: 'node'; field: NodeFieldName; text: string; position: number }
  | {
      kind: 'property';
      custom: boolean;
      name: string;
      column: PropertyValueColumn | undefined;
      text: string;
      position: number;
    }
  | {
      kind: 'context';
      /** `null` for `contexts.X` (each condition is its own membership test). */
      alias: string | null;
      field: ContextFieldName;
      text: string;
      position: number;
    };

/**
 * A value in a filter: string, number, boolean, or a bare enum word.
 *
 * @example
 * parseFilter('state = LIVE'); // value: { kind: 'word', value: 'LIVE' }
 */
export type Literal =
  | { kind: 'string'; value: string; position: number }
  /** `text` is the literal as written; integers beyond ±2^53 are bound as bigint from it. */
  | { kind: 'number'; value: number; integer: boolean; text: string; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  /** A bare word on the right-hand side: only enum names (`state = LIVE`) accept one. */
  | { kind: 'word'; value: string; position: number };

/**
 * The comparison operators of the filter language.
 *
 * @example
 * const op: ComparisonOperator = '>=';
 */
export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/**
 * A parsed filter, as `parseFilter` returns it.
 *
 * @example
 * const expr: FilterExpression = parseFilter("type = 'mlmeta.Model' AND NOT uri LIKE '%tmp%'");
 */
export type FilterExpression =
  | { kind: 'and'; operands: FilterExpression[]; position: number }
  | { kind: 'or'; operands: FilterExpression[]; position: number }
  | { kind: 'not'; operand: FilterExpression; position: number }
  | { kind: 'compare'; field: FieldRef; operator: ComparisonOperator; value: Literal; position: number }
  | { kind: 'like'; field: FieldRef; negated: boolean; pattern: Literal; position: number }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: Literal[]; position: number }
  | { kind: 'isNull'; field: FieldRef; negated: boolean; position: number };

/** How a literal reads in an error message: `string "abc"`, `number 1.5`, `true`, `'LIVE'`. */
export function describeLiteral(literal: Literal): string {
  switch (literal.kind) {
    case 'string':
      return `string ${JSON.stringify(literal.value)}`;
    case 'number':
      return `number ${literal.text}`;
    case 'boolean':
      return String(literal.value);
    case 'word':
      return `'${literal.value}'`;
  }
}
