/**
 * LIKE patterns. The language's LIKE is case-sensitive, with `%` (any run of characters), `_` (one
 * character) and `\` escaping the next character, as PostgreSQL's LIKE is by default. SQLite's
 * LIKE ignores ASCII case unless a connection-wide pragma says otherwise, so for SQLite the
 * pattern is rewritten into an equivalent GLOB pattern (GLOB is always case-sensitive). The
 * rewrite runs on the parameter value: the pattern stays a bound parameter either way.
 */
import { FilterSyntaxError } from '../store/errors.js';

/** Rejects a pattern that ends in a lone escape (PostgreSQL would fail on it at run time). */
export function checkLikePattern(pattern: string, position: number): void {
  let escaping = false;
  for (const ch of pattern) escaping = !escaping && ch === '\\';
  if (escaping) {
    throw new FilterSyntaxError(
      "LIKE pattern ends with an escape '\\'; escape a literal backslash as '\\\\\\\\' in the filter",
      position,
    );
  }
}

/** `'model\_%'` (LIKE) → `'model_*'` (GLOB), with GLOB's own wildcards made literal. */
export function likeToGlob(pattern: string): string {
  let glob = '';
  let escaping = false;
  for (const ch of pattern) {
    if (!escaping && ch === '\\') {
      escaping = true;
      continue;
    }
    if (!escaping && ch === '%') glob += '*';
    else if (!escaping && ch === '_') glob += '?';
    else if (ch === '*' || ch === '?' || ch === '[') glob += `[${ch}]`;
    else glob += ch;
    escaping = false;
  }
  return glob;
}
