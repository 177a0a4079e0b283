/**
 * Patches on `fs` and `fs/promises` that report which files a program reads and writes, after
 * the call succeeded: whole-file reads and writes, streams and FileHandles (on close), files
 * opened by path (on open) and copies. The wrappers only pass the path on (see UseSink);
 * digests happen elsewhere (a detached child, after the program exited). Patching is idempotent and symmetric
 * (unpatchFs restores every original), and ESM named imports of fs see the patches too
 * (syncBuiltinESMExports).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type FileUse = 'read' | 'written';
/** Told of a file's use with its absolute path (what FileCaptureApi's observers get). */
export type FileSink = (path: string, use: FileUse) => void;
/**
 * Told of each use with the path argument as the program passed it (a string, a file: URL or a
 * Buffer, relative to the working directory of the moment, or an absolute path): resolving and
 * filtering are the recorder's, which does them once per folder.
 */
export type UseSink = (target: unknown, use: FileUse) => void;

type Fn = (...args: unknown[]) => unknown;
// Shared by the --import and --require builds, so a process patches fs once.
const scope = globalThis as Record<symbol, unknown>;
const PATCHES = Symbol.for('mlmeta.fsPatches');
scope[PATCHES] ??= new Map<object, Record<string, Fn>>();
const originals = scope[PATCHES] as Map<object, Record<string, Fn>>;

/** A path argument as a path string (not resolved), or undefined for fds and anything else. */
export function pathString(value: unknown): string | undefined {
  try {
    if (typeof value === 'string') return value;
    if (value instanceof URL) return value.protocol === 'file:' ? fileURLToPath(value) : undefined;
    if (Buffer.isBuffer(value)) return value.toString();
  } catch {
    // A malformed URL: fs reports it; we record nothing.
  }
  return undefined;
}

/** A path argument as an absolute path, resolved now (a handle's file is where it was opened). */
function pathOf(value: unknown): string | undefined {
  const path = pathString(value);
  return path === undefined ? undefined : resolve(path);
}

/** 'r' (and numeric O_RDONLY) read; anything that can write counts as written. */
function useOfFlags(flags: unknown): FileUse {
  if (flags === undefined || flags === null) return 'read';
  if (typeof flags === 'number') return (flags & 3) === 0 ? 'read' : 'written';
  return /^r[bs]*$/.test(String(flags)) ? 'read' : 'written';
}

/** A whole-file read's use: 'read', unless its options give a flag that can write ('a+', 'w+'). */
function readUse(options: unknown): FileUse {
  return typeof options === 'object' && options !== null && 'flag' in options
    ? useOfFlags(options.flag)
    : 'read';
}

function replace(target: object, name: string, wrap: (original: Fn) => Fn): void {
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== 'function') return;
  const saved = originals.get(target) ?? {};
  if (Object.hasOwn(saved, name)) return;
  saved[name] = original as Fn;
  originals.set(target, saved);
  holder[name] = wrap(original as Fn);
}

/**
 * Installs the patches, telling `sink` of each file used. A wrapper does no path work of its
 * own (see UseSink), allocates nothing for a synchronous call, and never lets recording break
 * the program's own I/O.
 *
 * @example
 * patchFs((target, use) => console.log(use, target));
 */
export function patchFs(sink: UseSink): void {
  const note = (target: unknown, use: FileUse) => {
    try {
      sink(target, use);
    } catch {
      // Recording must never break the program's own I/O.
    }
  };
  // Inside a wrapped synchronous call (readFileSync opens and closes its file through
  // fs.openSync and fs.closeSync): the wrapper records the file, the fds it opens need not.
  let inside = 0;
  // The synchronous wrappers are the hot path (a loop over a dataset's files): each is one
  // layer with fixed parameters, as many as the widest of the functions it wraps takes
  // (writeFileSync's three), and calls the sink itself. Most of such a loop runs before V8
  // optimizes anything, so every call and allocation saved counts: a rest parameter (an array
  // per call) made the 10,000-read loop ~15% slower than these fixed parameters.
  const sync = (useOf: (options: unknown) => FileUse) => (original: Fn) =>
    function patched(this: unknown, target: unknown, second: unknown, third: unknown) {
      let result: unknown;
      inside++;
      try {
        result = original.call(this, target, second, third);
      } finally {
        inside--;
      }
      try {
        sink(target, useOf(second));
      } catch {
        // Recording must never break the program's own I/O.
      }
      return result;
    };
  const callback = (useOf: (options: unknown) => FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const done = args[last];
      if (typeof done === 'function') {
        const target = args[0];
        const use = useOf(last > 1 ? args[1] : undefined);
        args[last] = function reported(this: unknown, error: unknown, ...rest: unknown[]) {
          if (!error) note(target, use);
          return (done as Fn).call(this, error, ...rest);
        };
      }
      return original.apply(this, args);
    };
  const promised = (useOf: (options: unknown) => FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const target = args[0];
      const use = useOf(args[1]);
      return (original.apply(this, args) as Promise<unknown>).then((value) => {
        note(target, use);
        return value;
      });
    };
  const read = readUse;
  const written = (): FileUse => 'written';

  replace(fs, 'readFileSync', sync(read));
  replace(fs, 'writeFileSync', sync(written));
  replace(fs, 'appendFileSync', sync(written));
  replace(fs, 'readFile', callback(read));
  replace(fs, 'writeFile', callback(written));
  replace(fs, 'appendFile', callback(written));
  replace(
    fs,
    'copyFileSync',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        note(args[0], 'read');
        note(args[1], 'written');
        return result;
      },
  );
  replace(
    fs,
    'copyFile',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const last = args.length - 1;
        const done = args[last];
        if (typeof done === 'function') {
          const [from, to] = args;
          args[last] = function reported(this: unknown, error: unknown, ...rest: unknown[]) {
            if (!error) {
              note(from, 'read');
              note(to, 'written');
            }
            return (done as Fn).call(this, error, ...rest);
          };
        }
        return original.apply(this, args);
      },
  );
  const stream = (use: FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const created = original.apply(this, args) as NodeJS.EventEmitter & {
        bytesRead?: number;
        bytesWritten?: number;
      };
      try {
        const path = pathOf(args[0]);
        if (path !== undefined)
          created.once('close', () => {
            const moved = (use === 'read' ? created.bytesRead : created.bytesWritten) ?? 0;
            if (moved > 0 || use === 'written') note(path, use);
          });
      } catch {
        // Not an emitter after all: nothing to record.
      }
      return created;
    };
  replace(fs, 'createReadStream', stream('read'));
  replace(fs, 'createWriteStream', stream('written'));

  // fds: a file opened by path is used from then on. Reported at the open, not at the close: the
  // recorder digests after the process exited, when every fd is closed, so the close adds
  // nothing but a wrapper on every readFileSync (which closes through fs.closeSync).
  replace(
    fs,
    'openSync',
    (original) =>
      function patched(this: unknown, target: unknown, flags: unknown, mode: unknown) {
        const fd = original.call(this, target, flags, mode);
        if (inside === 0) note(target, useOfFlags(flags));
        return fd;
      },
  );
  replace(
    fs,
    'open',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const last = args.length - 1;
        const done = args[last];
        if (typeof done !== 'function') return original.apply(this, args);
        const [target, flags] = args;
        const use = useOfFlags(typeof flags === 'function' ? undefined : flags);
        args[last] = (error: unknown, fd: unknown) => {
          if (!error) note(target, use);
          return (done as Fn)(error, fd);
        };
        return original.apply(this, args);
      },
  );

  const promises = fs.promises;
  replace(promises, 'readFile', promised(read));
  replace(promises, 'writeFile', promised(written));
  replace(promises, 'appendFile', promised(written));
  replace(
    promises,
    'copyFile',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const [from, to] = args;
        return (original.apply(this, args) as Promise<unknown>).then((value) => {
          note(from, 'read');
          note(to, 'written');
          return value;
        });
      },
  );
  replace(
    promises,
    'open',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const path = pathOf(args[0]);
        const use = useOfFlags(args[1]);
        return (original.apply(this, args) as Promise<fs.promises.FileHandle>).then((handle) => {
          if (path === undefined) return handle;
          const close = handle.close;
          handle.close = function closeReported(this: fs.promises.FileHandle) {
            return close.call(this).then((value) => {
              note(path, use);
              return value;
            });
          };
          return handle;
        });
      },
  );
  syncBuiltinESMExports();
}

/** Restores every patched function. */
export function unpatchFs(): void {
  for (const [target, saved] of originals) Object.assign(target, saved);
  originals.clear();
  syncBuiltinESMExports();
}
