/**
 * Patches on `fs` and `fs/promises` that report which files a program reads and writes, after
 * the call succeeded and the file is closed: whole-file reads and writes, streams (on close),
 * FileHandles and fds (on close) and copies. The wrappers only resolve the path and ask the
 * filter; digests happen elsewhere (a worker thread). Patching is idempotent and symmetric
 * (unpatchFs restores every original), and ESM named imports of fs see the patches too
 * (syncBuiltinESMExports).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type FileUse = 'read' | 'written';
export type FileSink = (path: string, use: FileUse) => void;

type Fn = (...args: unknown[]) => unknown;
// Shared by the --import and --require builds, so a process patches fs once.
const scope = globalThis as Record<symbol, unknown>;
const PATCHES = Symbol.for('mlmeta.fsPatches');
scope[PATCHES] ??= new Map<object, Record<string, Fn>>();
const originals = scope[PATCHES] as Map<object, Record<string, Fn>>;

/** A path argument as an absolute path, or undefined for fds and anything else. */
function pathOf(value: unknown): string | undefined {
  try {
    if (typeof value === 'string') return resolve(value);
    if (value instanceof URL) return value.protocol === 'file:' ? fileURLToPath(value) : undefined;
    if (Buffer.isBuffer(value)) return resolve(value.toString());
  } catch {
    // A malformed path: fs reports it; we record nothing.
  }
  return undefined;
}

/** 'r' (and numeric O_RDONLY) read; anything that can write counts as written. */
function useOfFlags(flags: unknown): FileUse {
  if (flags === undefined || flags === null) return 'read';
  if (typeof flags === 'number') return (flags & 3) === 0 ? 'read' : 'written';
  return /^r[bs]*$/.test(String(flags)) ? 'read' : 'written';
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

/** Calls `report` once the node-style callback (the last argument) reports success. */
function withCallback(args: unknown[], report: () => void): unknown[] {
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback !== 'function') return args;
  const copy = [...args];
  copy[last] = function reported(this: unknown, error: unknown, ...rest: unknown[]) {
    if (!error) safely(report);
    return (callback as Fn).call(this, error, ...rest);
  };
  return copy;
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Recording must never break the program's own I/O.
  }
}

/**
 * Installs the patches, reporting each file used to `sink` (already filtered by `wanted`).
 *
 * @example
 * patchFs((path, use) => console.log(use, path), (path) => path.endsWith('.csv'));
 */
export function patchFs(sink: FileSink, wanted: (path: string) => boolean): void {
  const note = (value: unknown, use: FileUse) => {
    const path = pathOf(value);
    if (path !== undefined && wanted(path)) sink(path, use);
  };
  const sync = (use: FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      safely(() => note(args[0], use));
      return result;
    };
  const callback = (use: FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      return original.apply(
        this,
        withCallback(args, () => note(args[0], use)),
      );
    };
  const promised = (use: FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args) as Promise<unknown>;
      return result.then((value) => {
        safely(() => note(args[0], use));
        return value;
      });
    };

  replace(fs, 'readFileSync', sync('read'));
  replace(fs, 'writeFileSync', sync('written'));
  replace(fs, 'appendFileSync', sync('written'));
  replace(fs, 'readFile', callback('read'));
  replace(fs, 'writeFile', callback('written'));
  replace(fs, 'appendFile', callback('written'));
  replace(
    fs,
    'copyFileSync',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        safely(() => {
          note(args[0], 'read');
          note(args[1], 'written');
        });
        return result;
      },
  );
  replace(
    fs,
    'copyFile',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        return original.apply(
          this,
          withCallback(args, () => {
            note(args[0], 'read');
            note(args[1], 'written');
          }),
        );
      },
  );
  const stream = (use: FileUse) => (original: Fn) =>
    function patched(this: unknown, ...args: unknown[]) {
      const created = original.apply(this, args) as NodeJS.EventEmitter & {
        bytesRead?: number;
        bytesWritten?: number;
      };
      safely(() => {
        const path = pathOf(args[0]);
        if (path === undefined || !wanted(path)) return;
        created.once('close', () => {
          const moved = (use === 'read' ? created.bytesRead : created.bytesWritten) ?? 0;
          if (moved > 0 || use === 'written') safely(() => sink(path, use));
        });
      });
      return created;
    };
  replace(fs, 'createReadStream', stream('read'));
  replace(fs, 'createWriteStream', stream('written'));

  // fds: remember what was opened, report on close.
  const open = new Map<number, { path: string; use: FileUse }>();
  const remember = (fd: unknown, pathArg: unknown, flags: unknown) => {
    const path = pathOf(pathArg);
    if (typeof fd === 'number' && path !== undefined && wanted(path))
      open.set(fd, { path, use: useOfFlags(flags) });
  };
  const closed = (fd: unknown) => {
    const entry = typeof fd === 'number' ? open.get(fd) : undefined;
    if (!entry) return;
    open.delete(fd as number);
    sink(entry.path, entry.use);
  };
  replace(
    fs,
    'openSync',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const fd = original.apply(this, args);
        safely(() => remember(fd, args[0], args[1]));
        return fd;
      },
  );
  replace(
    fs,
    'open',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const last = args.length - 1;
        const callback = args[last];
        if (typeof callback !== 'function') return original.apply(this, args);
        const copy = [...args];
        copy[last] = (error: unknown, fd: unknown) => {
          if (!error)
            safely(() => remember(fd, args[0], typeof args[1] === 'function' ? undefined : args[1]));
          return (callback as Fn)(error, fd);
        };
        return original.apply(this, copy);
      },
  );
  replace(
    fs,
    'closeSync',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        safely(() => closed(args[0]));
        return result;
      },
  );
  replace(
    fs,
    'close',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        return original.apply(
          this,
          withCallback(args, () => closed(args[0])),
        );
      },
  );

  const promises = fs.promises;
  replace(promises, 'readFile', promised('read'));
  replace(promises, 'writeFile', promised('written'));
  replace(promises, 'appendFile', promised('written'));
  replace(
    promises,
    'copyFile',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        return (original.apply(this, args) as Promise<unknown>).then((value) => {
          safely(() => {
            note(args[0], 'read');
            note(args[1], 'written');
          });
          return value;
        });
      },
  );
  replace(
    promises,
    'open',
    (original) =>
      function patched(this: unknown, ...args: unknown[]) {
        return (original.apply(this, args) as Promise<fs.promises.FileHandle>).then((handle) => {
          safely(() => {
            const path = pathOf(args[0]);
            if (path === undefined || !wanted(path)) return;
            const use = useOfFlags(args[1]);
            const close = handle.close;
            handle.close = function closeReported(this: fs.promises.FileHandle) {
              return close.call(this).then((value) => {
                safely(() => sink(path, use));
                return value;
              });
            };
          });
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
