/**
 * Compiles a filter to a parameterized SQL boolean expression over the node table aliased `n`
 * (MLMD schema v10 names). Every value the user wrote becomes a bound parameter; the SQL text
 * itself is assembled only from fixed table and column names.
 *
 * Semantics, in MLMD's terms:
 * - `properties.x <op> v` holds when the node has property x and its value satisfies the
 *   comparison, so `!=` means "has x and it differs" and `properties.x IS NULL` means "has no x".
 * - `contexts.name = 'exp1'` is one membership test (artifact via Attribution, execution via
 *   Association); each `contexts.*` condition is tested on its own, so
 *   `contexts.name = 'a' AND contexts.name = 'b'` finds nodes in both contexts.
 * - `contexts_<alias>.*` follows MLMD's neighbourhood queries: every condition with the same alias
 *   speaks of one and the same context (`contexts_a.type = 'Experiment' AND contexts_a.name = 'exp1'`).
 *   As in MLMD, a filter using an alias only matches nodes that belong to at least one context.
 * - Node fields follow SQL: a NULL column (say, no external_id) satisfies no comparison.
 */
import { ArtifactState, ExecutionState } from '../model/enums.js';
import { FilterSyntaxError, MlmetaError } from '../store/errors.js';
import { describeLiteral, type FieldRef, type FilterExpression, type Literal } from './ast.js';
import type { SqlDialect } from './dialect.js';
import { checkLikePattern, likeToGlob } from './like.js';
import { FILTER_LIMITS, parseFilter } from './parser.js';

/**
 * Which node table a filter is compiled against.
 *
 * @example
 * compileFilter("name = 'x'", 'execution' satisfies FilterNodeKind, sqliteDialect);
 */
export type FilterNodeKind = 'artifact' | 'execution' | 'context';

/**
 * A filter as parameterized SQL: user text never becomes SQL.
 *
 * @example
 * const { sql, params } = compileFilter("properties.acc > 0.9", 'artifact', sqliteDialect);
 */
export interface CompiledFilter {
  /** A boolean SQL expression over `n`, parenthesized so it can be AND-ed into any WHERE clause. */
  sql: string;
  /** Values for the placeholders, in order. */
  params: unknown[];
}

/**
 * Parses `text` and compiles it for `kind` nodes; placeholders are numbered from
 * `firstParamIndex` (for PostgreSQL statements that already bind parameters before it).
 *
 * @example
 * const { sql, params } = compileFilter("properties.accuracy > 0.9", 'artifact', sqliteDialect);
 * db.prepare(`SELECT n.id FROM Artifact n WHERE ${sql}`).all(...params);
 */
export function compileFilter(
  text: string,
  kind: FilterNodeKind,
  dialect: SqlDialect,
  firstParamIndex = 1,
): CompiledFilter {
  if (!Number.isInteger(firstParamIndex) || firstParamIndex < 1) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `firstParamIndex must be an integer >= 1, got ${firstParamIndex}`,
    );
  }
  if (!Object.hasOwn(TABLES, kind)) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `kind must be artifact, execution or context, got ${String(kind)}`,
    );
  }
  const compiler = new Compiler(kind, dialect, firstParamIndex);
  const body = compiler.expression(parseFilter(text));
  return { sql: `(${compiler.wrapAliases(body)})`, params: compiler.params };
}

const TABLES = {
  artifact: { node: 'Artifact', property: 'ArtifactProperty', key: 'artifact_id', membership: 'Attribution' },
  execution: {
    node: 'Execution',
    property: 'ExecutionProperty',
    key: 'execution_id',
    membership: 'Association',
  },
  context: { node: 'Context', property: 'ContextProperty', key: 'context_id', membership: undefined },
} as const;

/** What a field's values are compared as; decides which literals are accepted. */
type ValueType = 'integer' | 'number' | 'string' | 'boolean' | 'state';

interface Target {
  /** SQL for the compared value; undefined for `properties.x IS NULL` (presence only). */
  column: string | undefined;
  type: ValueType;
  /** `direct`: the column is in scope of `n`; `exists`: conditions go inside `wrap`'s subquery. */
  mode: 'direct' | 'exists';
  /** An unsuffixed property compared with a number: the value may sit in int_value or double_value. */
  numeric?: boolean;
  wrap(condition: string | undefined): string;
}

const NODE_FIELD_LISTS: Record<FilterNodeKind, string> = {
  artifact:
    'id, type, type_id, type_version, name, external_id, uri, state, create_time_since_epoch, last_update_time_since_epoch',
  execution:
    'id, type, type_id, type_version, name, external_id, state (= last_known_state), create_time_since_epoch, last_update_time_since_epoch',
  context:
    'id, type, type_id, type_version, name, external_id, create_time_since_epoch, last_update_time_since_epoch',
};

class Compiler {
  readonly params: unknown[] = [];
  /** User alias (contexts_<alias>) → generated SQL alias, in order of first use. */
  private readonly aliases = new Map<string, string>();
  private readonly tables: (typeof TABLES)[FilterNodeKind];

  constructor(
    private readonly kind: FilterNodeKind,
    private readonly dialect: SqlDialect,
    private readonly firstParamIndex: number,
  ) {
    this.tables = TABLES[kind];
  }

  expression(node: FilterExpression): string {
    switch (node.kind) {
      case 'and':
      case 'or':
        // Balanced, so that a long OR chain stays within SQLite's expression depth limit (1000).
        return balanced(
          node.operands.map((operand) => this.expression(operand)),
          node.kind.toUpperCase(),
        );
      case 'not':
        return `NOT (${this.expression(node.operand)})`;
      case 'compare': {
        const target = this.target(node.field, node.value);
        const operator = node.operator === '!=' ? '<>' : node.operator;
        if (splitsNumeric(target, [node.value])) {
          return target.wrap(
            `(fp.int_value ${operator} ${this.value(target, node.field, node.value)} OR fp.double_value ${operator} ${this.value(target, node.field, node.value)})`,
          );
        }
        const collate = this.orderingCollation(target, node.operator);
        return target.wrap(
          `${target.column}${collate} ${operator} ${this.value(target, node.field, node.value)}`,
        );
      }
      case 'like': {
        const target = this.target(node.field, node.pattern);
        if (target.type !== 'string') {
          throw new FilterSyntaxError(
            `LIKE applies to text fields; '${node.field.text}' is not one`,
            node.position,
          );
        }
        const pattern = node.pattern.value as string;
        checkLikePattern(pattern, node.pattern.position);
        const not = node.negated ? 'NOT ' : '';
        const condition =
          this.dialect.name === 'sqlite'
            ? `${target.column} ${not}GLOB ${this.bind(likeToGlob(pattern))}`
            : `${target.column} ${not}LIKE ${this.bind(pattern)}`;
        return target.wrap(condition);
      }
      case 'in': {
        const target = this.target(node.field, node.values[0]);
        const operator = node.negated ? 'NOT IN' : 'IN';
        const list = () => node.values.map((value) => this.value(target, node.field, value)).join(', ');
        if (splitsNumeric(target, node.values)) {
          return target.wrap(
            `(fp.int_value ${operator} (${list()}) OR fp.double_value ${operator} (${list()}))`,
          );
        }
        return target.wrap(`${target.column} ${operator} (${list()})`);
      }
      case 'isNull': {
        const target = this.target(node.field, undefined);
        if (target.mode === 'direct') return `${target.column} IS ${node.negated ? 'NOT ' : ''}NULL`;
        const present = target.wrap(target.column === undefined ? undefined : `${target.column} IS NOT NULL`);
        return node.negated ? present : `NOT ${present}`;
      }
    }
  }

  /** Puts the filter inside one join over every contexts_<alias> it used (MLMD's alias semantics). */
  wrapAliases(body: string): string {
    if (this.aliases.size === 0) return body;
    const { membership, key } = this.tables;
    const joins = [...this.aliases.values()].map((alias, i) => {
      const link = `${alias}_link`;
      const source =
        i === 0 ? `FROM ${membership} ${link}` : `JOIN ${membership} ${link} ON ${link}.${key} = n.id`;
      return `${source} JOIN Context ${alias} ON ${alias}.id = ${link}.context_id`;
    });
    const firstLink = `${[...this.aliases.values()][0]}_link`;
    return `EXISTS (SELECT 1 ${joins.join(' ')} WHERE ${firstLink}.${key} = n.id AND (${body}))`;
  }

  private target(field: FieldRef, sample: Literal | undefined): Target {
    switch (field.kind) {
      case 'node':
        return this.nodeTarget(field);
      case 'property':
        return this.propertyTarget(field, sample);
      case 'context':
        return this.contextTarget(field);
    }
  }

  private nodeTarget(field: Extract<FieldRef, { kind: 'node' }>): Target {
    const direct = (column: string, type: ValueType): Target => ({
      column,
      type,
      mode: 'direct',
      wrap: (condition) => condition!,
    });
    switch (field.field) {
      case 'id':
      case 'type_id':
      case 'create_time_since_epoch':
      case 'last_update_time_since_epoch':
        return direct(`n.${field.field}`, 'integer');
      case 'name':
      case 'external_id':
        return direct(`n.${field.field}`, 'string');
      case 'type':
        return direct('(SELECT ft.name FROM Type ft WHERE ft.id = n.type_id)', 'string');
      case 'type_version':
        return direct('(SELECT ft.version FROM Type ft WHERE ft.id = n.type_id)', 'string');
      case 'uri':
        if (this.kind === 'artifact') return direct('n.uri', 'string');
        break;
      case 'state':
        if (this.kind === 'artifact') return direct('n.state', 'state');
        if (this.kind === 'execution') return direct('n.last_known_state', 'state');
        break;
      case 'last_known_state':
        if (this.kind === 'execution') return direct('n.last_known_state', 'state');
        break;
    }
    throw new FilterSyntaxError(
      `field '${field.text}' does not apply to ${this.kind}s; ${this.kind} fields: ${NODE_FIELD_LISTS[this.kind]}, properties.NAME, custom_properties.NAME${this.kind === 'context' ? '' : ', contexts.name, contexts.type, contexts.id'}`,
      field.position,
    );
  }

  private propertyTarget(
    field: Extract<FieldRef, { kind: 'property' }>,
    sample: Literal | undefined,
  ): Target {
    let column: string | undefined;
    let type: ValueType = 'string';
    let numeric = false;
    const chosen = field.column ?? (sample ? columnForLiteral(sample) : undefined);
    if (chosen === 'number') {
      // An unsuffixed number matches whichever numeric column the property was stored in.
      column = 'COALESCE(fp.int_value, fp.double_value)';
      type = 'number';
      numeric = true;
    } else if (chosen !== undefined) {
      column = `fp.${chosen}`;
      type = (
        {
          int_value: 'integer',
          double_value: 'number',
          string_value: 'string',
          bool_value: 'boolean',
        } as const
      )[chosen];
    }
    const { property, key } = this.tables;
    // Bound before the caller binds the compared value: the name comes first in the SQL text.
    const prefix = `EXISTS (SELECT 1 FROM ${property} fp WHERE fp.${key} = n.id AND fp.name = ${this.bind(field.name)} AND fp.is_custom_property = ${this.bind(field.custom ? 1 : 0)}`;
    return {
      column,
      type,
      mode: 'exists',
      numeric,
      wrap: (condition) => (condition === undefined ? `${prefix})` : `${prefix} AND ${condition})`),
    };
  }

  private contextTarget(field: Extract<FieldRef, { kind: 'context' }>): Target {
    const { membership, key } = this.tables;
    if (membership === undefined) {
      throw new FilterSyntaxError(
        `'${field.text}' applies to artifacts and executions (their contexts); a context filter uses the context's own fields`,
        field.position,
      );
    }
    let alias = 'fc';
    if (field.alias !== null) {
      if (!this.aliases.has(field.alias) && this.aliases.size >= FILTER_LIMITS.maxContextAliases) {
        throw new FilterSyntaxError(
          `a filter may use at most ${FILTER_LIMITS.maxContextAliases} different contexts_<alias> names (each joins two tables; SQLite joins at most 64); reuse aliases or use contexts.<field> for single conditions`,
          field.position,
        );
      }
      alias = this.aliases.get(field.alias) ?? `ctx${this.aliases.size + 1}`;
      this.aliases.set(field.alias, alias);
    }
    const [column, type]: [string, ValueType] =
      field.field === 'type'
        ? [`(SELECT ft.name FROM Type ft WHERE ft.id = ${alias}.type_id)`, 'string']
        : [
            `${alias}.${field.field}`,
            field.field === 'name' || field.field === 'external_id' ? 'string' : 'integer',
          ];
    if (field.alias !== null) return { column, type, mode: 'direct', wrap: (condition) => condition! };
    // An uncorrelated IN, not EXISTS ... WHERE fm.<key> = n.id: MLMD's schema indexes
    // Association/Attribution by context first and Context by (type_id, name), so a correlated
    // test scans every context once per node (10k runs × 20k contexts: seconds). The IN set is
    // computed once (SQLite materializes it, PostgreSQL hashes it) whatever the node count.
    const members = `n.id IN (SELECT fm.${key} FROM ${membership} fm JOIN Context fc ON fc.id = fm.context_id`;
    return {
      column,
      type,
      mode: 'exists',
      wrap: (condition) => (condition === undefined ? `(${members}))` : `(${members} WHERE ${condition}))`),
    };
  }

  /** Binds one literal after checking it suits the target; returns its placeholder. */
  private value(target: Target, field: FieldRef, literal: Literal): string {
    const mismatch = (expected: string, hint = '') =>
      new FilterSyntaxError(
        `'${field.text}' compares with ${expected} but found ${describeLiteral(literal)}${hint}`,
        literal.position,
      );
    switch (target.type) {
      case 'integer':
        if (literal.kind === 'number' && literal.integer) return this.bindInteger(integerParam(literal));
        throw mismatch('whole numbers');
      case 'number':
        if (literal.kind === 'number')
          return this.bind(literal.integer ? integerParam(literal) : literal.value);
        throw mismatch('numbers', literal.kind === 'string' ? ` (a number is written without quotes)` : '');
      case 'string':
        if (literal.kind === 'string') return this.bind(literal.value);
        throw mismatch('quoted text', literal.kind === 'boolean' ? '' : ` (write '${literalText(literal)}')`);
      case 'boolean':
        if (literal.kind === 'boolean') return this.bind(literal.value ? 1 : 0);
        throw mismatch('true or false');
      case 'state': {
        if (literal.kind === 'number' && literal.integer) return this.bindInteger(integerParam(literal));
        const states: Record<string, number> = this.kind === 'artifact' ? ArtifactState : ExecutionState;
        if (literal.kind === 'word' || literal.kind === 'string') {
          const state = states[literal.value.toUpperCase()];
          if (state !== undefined) return this.bind(state);
        }
        throw new FilterSyntaxError(
          `unknown ${this.kind} state ${describeLiteral(literal)}; valid states: ${Object.keys(states).join(', ')} (or their numbers)`,
          literal.position,
        );
      }
    }
  }

  /** PostgreSQL orders text by the database's locale; "C" makes < and > agree with SQLite's byte order. */
  private orderingCollation(target: Target, operator: string): string {
    const ordering = operator !== '=' && operator !== '!=';
    return ordering && target.type === 'string' && this.dialect.name === 'postgres' ? ' COLLATE "C"' : '';
  }

  /**
   * An integer compared with a column: on PostgreSQL typed bigint, because an untyped parameter
   * takes the column's type and ids and states are INT (2^31 would fail the statement rather than
   * match nothing). int4 = int8 is an indexable cross-type comparison there.
   */
  private bindInteger(value: number | bigint): string {
    return this.dialect.name === 'postgres' ? `${this.bind(value)}::bigint` : this.bind(value);
  }

  private bind(value: unknown): string {
    this.params.push(value);
    return this.dialect.placeholder(this.firstParamIndex + this.params.length - 1);
  }
}

/**
 * Integer literals test int_value and double_value separately rather than through COALESCE:
 * PostgreSQL would turn COALESCE(bigint, double) into a double and lose digits beyond 2^53.
 * Non-integer literals use COALESCE, which PostgreSQL then types as double (binding 0.5 against a
 * bigint column would be a type error there).
 */
function splitsNumeric(target: Target, literals: Literal[]): boolean {
  return target.numeric === true && literals.every((literal) => literal.kind === 'number' && literal.integer);
}

function columnForLiteral(literal: Literal): 'number' | 'string_value' | 'bool_value' {
  if (literal.kind === 'number') return 'number';
  if (literal.kind === 'boolean') return 'bool_value';
  if (literal.kind === 'string') return 'string_value';
  throw new FilterSyntaxError(
    `expected a value but found the bare word '${literal.value}'; quote text values: '${literal.value}'`,
    literal.position,
  );
}

/** Integers beyond ±2^53 are bound as bigint (both drivers accept it) so no digit is lost. */
function integerParam(literal: Extract<Literal, { kind: 'number' }>): number | bigint {
  return Number.isSafeInteger(literal.value) ? literal.value : BigInt(literal.text);
}

function balanced(parts: string[], operator: string): string {
  if (parts.length === 1) return parts[0]!;
  const middle = parts.length >> 1;
  return `(${balanced(parts.slice(0, middle), operator)} ${operator} ${balanced(parts.slice(middle), operator)})`;
}

function literalText(literal: Literal): string {
  return literal.kind === 'number' ? literal.text : String(literal.value);
}
