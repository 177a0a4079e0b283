/** Strict parsers for flag values: a bad value is a usage error (exit 2) that says what to write. */
import { ExecutionState } from '@mlmeta/core';
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
