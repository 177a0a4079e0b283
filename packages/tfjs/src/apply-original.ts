/**
 * How every tfjs wrapper calls the method it wraps: with the stack limit raised by the frames
 * the wrappers add, which core's hideOwnFrames then drops, so an error thrown by tfjs shows the
 * user the stack they would have seen without mlmeta.
 */
import { hideOwnFrames, raiseStackLimit, restoreStackLimit } from '@mlmeta/core';

hideOwnFrames();

/** A method of a tfjs class, as the wrappers see it. */
export type Method = (this: unknown, ...args: unknown[]) => unknown;

/** `original.apply(self, args)`, leaving no trace of the wrapper in the stack of what it throws. */
export function applyOriginal(original: Method, self: unknown, args: unknown[]): unknown {
  const limit = raiseStackLimit();
  try {
    return original.apply(self, args);
  } finally {
    restoreStackLimit(limit);
  }
}
