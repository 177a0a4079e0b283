/** The filter language's hook into the shared SQL (the compiler lives in ../../filter/). */
import { compileFilter } from '../../filter/index.js';
import type { NodeKind } from '../store.js';
import type { Params } from './driver.js';

/**
 * Compile `filter` into a boolean SQL expression over the node table aliased `n`, binding its
 * values into `params` after those already bound (placeholders keep their textual order).
 * A malformed filter throws FilterSyntaxError naming the position and what was expected.
 */
export function filterSql(filter: string, kind: NodeKind, params: Params): string {
  const compiled = compileFilter(filter, kind, params.dialect, params.nextIndex);
  for (const value of compiled.params) params.values.push(value);
  return compiled.sql;
}
