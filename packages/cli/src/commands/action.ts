import type { CliContext } from '../context.js';

/**
 * Wraps a command body for commander: builds the context from the global flags, and closes the
 * store however the body ends.
 */
export type Action = <A extends unknown[]>(
  body: (ctx: CliContext, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;
