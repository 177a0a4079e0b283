/**
 * Keeps mlmeta's wrappers out of the stack traces users read. A wrapped `model.evaluate` that
 * throws would otherwise show `mlmetaEvaluate` between the user's line and tfjs's, and push the
 * user's own frames past `Error.stackTraceLimit`.
 *
 * Rewriting `error.stack` after the fact is not an option: once the stack is a string, Node can no
 * longer point an uncaught error's code frame at the line that threw (it points into its own
 * run_main). So the frames are dropped where V8 formats them, in `Error.prepareStackTrace`,
 * chained to the one already there (Node's own, which applies source maps), lazily as before.
 * While a wrapper runs the original synchronously, the stack limit is raised by the frames it
 * adds, so what remains after dropping them is the stack the user would have had.
 */

/** Frames a wrapper may add to a synchronous call (wrapper, hand-off helper, a nested wrapper). */
const OWN_FRAME_ALLOWANCE = 6;

type PrepareStackTrace = (error: Error, sites: NodeJS.CallSite[]) => unknown;

interface OwnFramesState {
  files: Set<string>;
  /** The stack limit the user set, while a wrapper has raised it; undefined otherwise. */
  userLimit: number | undefined;
  depth: number;
  installed: boolean;
}

const STATE_KEY = Symbol.for('mlmeta.ownFrames');

/** One state per process: the ESM and CommonJS builds of several packages share it. */
function ownFramesState(): OwnFramesState {
  const holder = globalThis as { [STATE_KEY]?: OwnFramesState };
  holder[STATE_KEY] ??= { files: new Set(), userLimit: undefined, depth: 0, installed: false };
  return holder[STATE_KEY];
}

/** What V8 prints when nothing overrides the format (Node before it exposed its own). */
function v8Format(error: Error, sites: NodeJS.CallSite[]): string {
  let head: string;
  try {
    head = Error.prototype.toString.call(error);
  } catch {
    head = '<error>';
  }
  return head + sites.map((site) => `\n    at ${site}`).join('');
}

function install(state: OwnFramesState): void {
  const previous = Error.prepareStackTrace as PrepareStackTrace | undefined;
  const format: PrepareStackTrace = previous ?? v8Format;
  Error.prepareStackTrace = function mlmetaPrepareStackTrace(error, sites) {
    const kept = sites.filter((site) => {
      const file = site.getFileName();
      return file === undefined || file === null || !state.files.has(file);
    });
    if (kept.length === sites.length) return format(error, sites);
    const limit = state.userLimit ?? Error.stackTraceLimit;
    return format(error, Number.isFinite(limit) ? kept.slice(0, Math.max(0, limit)) : kept);
  };
  state.installed = true;
}

/** The file of the function that called `caller`, as V8's call sites name it. */
function fileOfCaller(caller: (...args: never[]) => unknown): string | undefined {
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, caller);
    const sites = holder.stack as NodeJS.CallSite[] | undefined;
    return sites?.[0]?.getFileName() ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

/**
 * Marks the calling module as one whose frames users should not see, installing the stack
 * format that drops them (once per process). Call it at the top level of a module that defines
 * wrappers around a framework's methods. The mark is by file, so in a bundled build it covers the
 * whole bundle: an error thrown by one of its API functions (callback() with bad options) then
 * shows the user's call site as its first frame.
 *
 * @example
 * hideOwnFrames(); // in packages/tfjs/src/evaluation.ts
 */
export function hideOwnFrames(): void {
  const file = fileOfCaller(hideOwnFrames);
  if (!file) return;
  const state = ownFramesState();
  state.files.add(file);
  if (!state.installed) install(state);
}

/**
 * Raises `Error.stackTraceLimit` for the synchronous call a wrapper is about to make, so errors
 * thrown in it keep as many of the user's frames as they would have without the wrapper. Returns
 * the token to give {@link restoreStackLimit} in a `finally`.
 *
 * @example
 * const limit = raiseStackLimit();
 * try {
 *   return original.apply(this, args);
 * } finally {
 *   restoreStackLimit(limit);
 * }
 */
export function raiseStackLimit(): number | undefined {
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return undefined;
  const state = ownFramesState();
  if (state.depth++ === 0) state.userLimit = limit;
  Error.stackTraceLimit = limit + OWN_FRAME_ALLOWANCE;
  return limit;
}

/**
 * Puts back the stack limit {@link raiseStackLimit} raised.
 *
 * @example
 * restoreStackLimit(limit); // in the wrapper's finally
 */
export function restoreStackLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  Error.stackTraceLimit = limit;
  const state = ownFramesState();
  if (--state.depth === 0) state.userLimit = undefined;
}
