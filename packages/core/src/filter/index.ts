export type {
  ComparisonOperator,
  ContextFieldName,
  FieldRef,
  FilterExpression,
  Literal,
  NodeFieldName,
  PropertyValueColumn,
} from './ast.js';
export { type CompiledFilter, compileFilter, type FilterNodeKind } from './compiler.js';
export { postgresDialect, type SqlDialect, sqliteDialect } from './dialect.js';
export { FILTER_LIMITS, parseFilter } from './parser.js';
