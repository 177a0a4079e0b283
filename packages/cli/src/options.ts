/** Strict parsers for flag values: a bad value is a usage error (exit 2) that says what to write. */
import {
  compileFilter,
  ExecutionState,
  type FilterNodeKind,
  FilterSyntaxError,
  sqliteDialect,
} from '@mlmeta/core/read';
import { InvalidArgumentError } from 'commander';

export function positiveInt(max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
      throw new InvalidArgumentError(`write an integer from 1 to ${max}, not "${text}"`);
    }
    return Number(text);
  };
}

export const RUN_STATES = [...Object.keys(ExecutionState).filter((s) => s !== 'UNKNOWN'), 'LOST'] as const;

export function runState(text: string): string {
  const state = text.toUpperCase();
  if (!(RUN_STATES as readonly string[]).includes(state)) {
    throw new InvalidArgumentError(`write one of ${RUN_STATES.join(', ')}, not "${text}"`);
  }
  return state;
}

/**
 * What is wrong with a `--filter` for `kind` nodes, checked on its own: the store sees it
 * combined with the other flags' conditions, at positions the user never typed. The text is
 * quoted with a caret under the position; undefined when it compiles.
 */
export function filterProblem(text: string, kind: FilterNodeKind): string | undefined {
  try {
    compileFilter(text, kind, sqliteDialect);
    return undefined;
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    const caret = `${' '.repeat(Math.min(error.position, text.length))}^`;
    return `${error.message}\n  ${text}\n  ${caret}`;
  }
}

/** `--filter` for `kind` nodes as a flag parser: a bad filter is a usage error when parsed. */
export function filterFor(kind: FilterNodeKind) {
  return (text: string): string => {
    const problem = filterProblem(text, kind);
    if (problem) throw new InvalidArgumentError(problem);
    return text;
  };
}
